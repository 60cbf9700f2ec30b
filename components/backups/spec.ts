/**
 * What each object of the Backups component declares, as pure builders: the volume claim, the
 * two CronJobs, the pre-deploy backup Job and the restore Job. The component wires them to the
 * ConfigMap, volume and ServiceAccount it creates; tests call them directly.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { LabelContext, recommendedLabels } from "../shared/labels";
import { BACKUP_APP, BACKUP_MOUNT, backupEnv, jobSpec, scriptContainer } from "./jobs";

type Container = k8s.types.input.core.v1.Container;
type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;
type JobSpec = k8s.types.input.batch.v1.JobSpec;
type PersistentVolumeClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;

/** What every backup, restore and verification pod shares. */
export interface BackupPods {
    labels: LabelContext;
    /** Image with bash and PostgreSQL client tools >= the server's major version. */
    image: string;
    serviceAccountName: pulumi.Input<string>;
    /** The ConfigMap with scripts/db-*.sh. */
    configMapName: pulumi.Input<string>;
    /** The backup volume. */
    claimName: pulumi.Input<string>;
    /** Secrets with the libpq environment of the backup role and of the owner role. */
    credentials: { backup: string; owner: string };
    /** Deadline of every backup and verification Job, in seconds (the restore Job gets twice that). */
    jobDeadlineSeconds: number;
    /** Parallel workers of pg_dump and pg_restore. */
    parallelJobs: number;
}

/** How db-backup.sh keeps and writes backups. */
export interface BackupSettings {
    retentionDays: number;
    /** gzip level of the dumps. */
    compression: number;
}

/** The labels of a backup object; `component` tells backups, verifications and restores apart. */
export function backupLabels(labels: LabelContext, component: string): Record<string, string> {
    return recommendedLabels(labels, BACKUP_APP, component);
}

export function backupMetadata(namespace: pulumi.Input<string>, labels: LabelContext, name: string, component: string) {
    return { name, namespace, labels: backupLabels(labels, component) };
}

export function backupVolumeClaimSpec(o: { storageSize: string; storageClass?: string }): PersistentVolumeClaimSpec {
    return {
        accessModes: ["ReadWriteOnce"],
        storageClassName: o.storageClass,
        resources: { requests: { storage: o.storageSize } },
    };
}

/** db-backup.sh with the label that names the backup (scheduled, pre_deployment, pre_restore). */
export function backupContainer(pods: BackupPods, name: string, label: string, settings: BackupSettings): Container {
    return scriptContainer({
        name,
        image: pods.image,
        script: "db-backup.sh",
        credentialsSecret: pods.credentials.backup,
        env: backupEnv({ label, retentionDays: settings.retentionDays, parallelJobs: pods.parallelJobs, compression: settings.compression }),
    });
}

/** db-restore.sh as the owner role. */
export function restoreContainer(pods: BackupPods, name: string, args: string[], env: Record<string, string> = {}): Container {
    return scriptContainer({
        name,
        image: pods.image,
        script: "db-restore.sh",
        args,
        credentialsSecret: pods.credentials.owner,
        env: { RESTORE_JOBS: String(pods.parallelJobs), ...env },
    });
}

/** A Job of the backup pods, labelled as `component`. */
function backupJobSpec(
    pods: BackupPods,
    component: string,
    o: {
        containers: Container[];
        initContainers?: Container[];
        deadlineSeconds: number;
        backoffLimit: number;
        ttlSecondsAfterFinished: number;
    },
): JobSpec {
    return jobSpec({
        serviceAccountName: pods.serviceAccountName,
        configMapName: pods.configMapName,
        claimName: pods.claimName,
        labels: backupLabels(pods.labels, component),
        ...o,
    });
}

/**
 * Both CronJobs: UTC schedules, never two runs at once, a missed run not made up for after more
 * than an hour, and the last few Jobs kept for `kubectl logs`.
 */
export const CRON_POLICY = {
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
} as const;

function cronJobSpec(pods: BackupPods, component: string, schedule: string, job: JobSpec): CronJobSpec {
    return { schedule, ...CRON_POLICY, jobTemplate: { metadata: { labels: backupLabels(pods.labels, component) }, spec: job } };
}

/** Scheduled backups. */
export function backupCronJobSpec(pods: BackupPods, o: BackupSettings & { schedule: string }): CronJobSpec {
    return cronJobSpec(
        pods,
        "backup",
        o.schedule,
        backupJobSpec(pods, "backup", {
            containers: [backupContainer(pods, "backup", "scheduled", o)],
            deadlineSeconds: pods.jobDeadlineSeconds,
            backoffLimit: 1,
            ttlSecondsAfterFinished: 86400,
        }),
    );
}

/** The newest complete backup, restored into the program's scratch database and compared table by table. */
export function verifyCronJobSpec(pods: BackupPods, o: { verifySchedule: string; verifyDatabaseName: string }): CronJobSpec {
    return cronJobSpec(
        pods,
        "restore-verify",
        o.verifySchedule,
        backupJobSpec(pods, "restore-verify", {
            containers: [restoreContainer(pods, "restore-verify", ["--verify", "--latest", BACKUP_MOUNT], { VERIFY_DATABASE: o.verifyDatabaseName })],
            deadlineSeconds: pods.jobDeadlineSeconds,
            backoffLimit: 0,
            ttlSecondsAfterFinished: 86400,
        }),
    );
}

/** The backup that gates a release's rollout. */
export function preDeployJobSpec(pods: BackupPods, settings: BackupSettings): JobSpec {
    return backupJobSpec(pods, "pre-deploy-backup", {
        containers: [backupContainer(pods, "backup", "pre_deployment", settings)],
        deadlineSeconds: pods.jobDeadlineSeconds,
        backoffLimit: 1,
        ttlSecondsAfterFinished: 7 * 86400,
    });
}

/**
 * A requested restore: first a copy of what is about to be replaced, then the restore with its
 * row-count check. Never retried by Kubernetes: a half-done restore is for a person to look at.
 */
export function restoreJobSpec(pods: BackupPods, file: string, settings: BackupSettings): JobSpec {
    return backupJobSpec(pods, "restore", {
        initContainers: [backupContainer(pods, "backup-before-restore", "pre_restore", settings)],
        containers: [restoreContainer(pods, "restore", ["--clean", `${BACKUP_MOUNT}/${file}`])],
        deadlineSeconds: 2 * pods.jobDeadlineSeconds,
        backoffLimit: 0,
        ttlSecondsAfterFinished: 7 * 86400,
    });
}
