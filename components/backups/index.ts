/**
 * Backups of the stack's database, in the cluster: a volume, the scripts (scripts/db-*.sh in a
 * ConfigMap), scheduled backups, a scheduled restore verification, the pre-deploy backup Job that
 * gates every rollout, and, when `npm run db:restore` asks for one, a restore Job.
 *
 * The gate: @pulumi/kubernetes awaits a batch/v1 Job on create until its `Complete` condition is
 * True and fails the resource as soon as `Failed` is True (BackoffLimitExceeded,
 * DeadlineExceeded); see the Job resource docs and pulumi-kubernetes#633. The workloads list the
 * pre-deploy Job in `dependsOn`, so `pulumi up` does not touch their Deployments before the
 * backup of this release has completed and verified, and a failed backup fails the update before
 * the rollout starts. `pulumi.com/replaceUnready` makes the next `pulumi up` run a failed backup
 * again (by default the provider would only keep waiting on the failed Job).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext, recommendedLabels, selectorLabels } from "../shared/labels";
import { BACKUP_CRONJOBS } from "../shared/names";
import { allowPolicy, toCidr } from "../shared/network";
import { serviceAccount } from "../shared/workload";
import {
    BACKUP_APP, BACKUP_MOUNT, PRE_DEPLOY_JOB_PREFIX, RESTORE_JOB_PREFIX, awaitTimeout, backupEnv, jobNameForTag, jobSpec, scriptContainer,
} from "./jobs";
import { readScripts } from "./scripts";

export * from "./jobs";
export * from "./scripts";

export interface BackupsArgs {
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** The database to back up (its name prefixes every backup file). */
    databaseName: string;
    /** The scratch database the restore verification restores into (the Database component's). */
    verifyDatabaseName: string;
    /** Secrets with the libpq environment of the backup role and of the owner role. */
    credentials: { backup: string; owner: string };
    /** Where the server is, for the pods' egress NetworkPolicy. */
    server: { cidr: string; port: number };
    /** The release being deployed: names the pre-deploy backup Job. */
    imageTag: string;
    /** Image with bash and PostgreSQL client tools >= the server's major version. */
    image: string;
    /** Cron schedule of the scheduled backups (UTC). */
    schedule: string;
    /** Cron schedule of the scheduled restore verification. */
    verifySchedule: string;
    retentionDays: number;
    /** Size of the backup volume, e.g. 100Gi. */
    storageSize: string;
    /** @default the cluster's default storage class */
    storageClass?: string;
    /** Deadline of every backup and restore Job, in seconds. */
    jobDeadlineSeconds: number;
    /** @default 2 */
    parallelJobs?: number;
    /** gzip level of the dumps. @default 0 */
    compression?: number;
    /** A restore requested by `npm run db:restore`. */
    restore?: { file: string; requestId: string };
    /** Keep the backup volume when it leaves the program, and refuse to delete it (prod). */
    protect: boolean;
    /** The Jobs start after these: the database, its roles and grants. */
    after?: pulumi.Input<pulumi.Resource>[];
}

export interface RestoreStatus {
    requestId: string;
    file: string;
    job: string;
    /** Pods of the Job that succeeded (1 when the restore and its row-count check passed). */
    succeeded: number;
}

/**
 * Both CronJobs: UTC schedules, never two runs at once, a missed run not made up for after more
 * than an hour, and the last few Jobs kept for `kubectl logs`.
 */
const CRON_POLICY = {
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
} as const;

/**
 * Backups of the stack's database: a volume, scheduled backups, a scheduled restore into a scratch
 * database that proves the newest backup restores, the pre-deploy backup that gates every rollout,
 * and a restore Job when one is requested.
 */
export class Backups extends pulumi.ComponentResource {
    /** Pass to the workloads' `rolloutAfter`: they roll out only after this backup succeeded. */
    readonly preDeployBackup: k8s.batch.v1.Job;
    readonly claimName: pulumi.Output<string>;
    /** Present while a restore is requested; read by `npm run db:restore` from the stack outputs. */
    readonly restore?: pulumi.Output<RestoreStatus>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ologywood:backups:Backups", name, {}, opts);
        const parallelJobs = args.parallelJobs ?? 2;
        const compression = args.compression ?? 0;
        const labelsFor = (component: string) => recommendedLabels(args.labels, BACKUP_APP, component);
        const meta = (n: string, component: string) => ({ name: n, namespace: args.namespace, labels: labelsFor(component) });
        const env = (label: string) => backupEnv({ label, retentionDays: args.retentionDays, parallelJobs, compression });
        const after = { parent: this, dependsOn: args.after ?? [] };

        const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, {
            metadata: meta("ologywood-db-scripts", "backup"),
            data: readScripts(),
        }, { parent: this });

        const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-volume`, {
            metadata: meta("ologywood-backups", "backup"),
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClass,
                resources: { requests: { storage: args.storageSize } },
            },
        }, { parent: this, protect: args.protect, retainOnDelete: args.protect });
        this.claimName = claim.metadata.name;

        const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels: labelsFor("backup"), accountName: BACKUP_APP }, this);

        // Backup pods talk to the database server and nothing else; nothing talks to them.
        allowPolicy(`${name}-network`, {
            namespace: args.namespace,
            labels: labelsFor("backup"),
            podLabels: selectorLabels(args.labels, BACKUP_APP),
            ingress: [],
            egress: [toCidr(args.server.cidr, args.server.port)],
        }, { parent: this });

        const common = { serviceAccountName: account.metadata.name, configMapName: scripts.metadata.name, claimName: claim.metadata.name };
        const backupRun = (label: string) => scriptContainer({
            name: "backup", image: args.image, script: "db-backup.sh", credentialsSecret: args.credentials.backup, env: env(label),
        });

        // Scheduled backups.
        new k8s.batch.v1.CronJob(`${name}-scheduled`, {
            metadata: meta(BACKUP_CRONJOBS.backup, "backup"),
            spec: {
                schedule: args.schedule,
                ...CRON_POLICY,
                jobTemplate: {
                    metadata: { labels: labelsFor("backup") },
                    spec: jobSpec({
                        ...common, labels: labelsFor("backup"), containers: [backupRun("scheduled")],
                        deadlineSeconds: args.jobDeadlineSeconds, backoffLimit: 1, ttlSecondsAfterFinished: 86400,
                    }),
                },
            },
        }, after);

        // The newest complete backup, restored into a scratch database and compared table by table.
        new k8s.batch.v1.CronJob(`${name}-verify`, {
            metadata: meta(BACKUP_CRONJOBS.verify, "restore-verify"),
            spec: {
                schedule: args.verifySchedule,
                ...CRON_POLICY,
                jobTemplate: {
                    metadata: { labels: labelsFor("restore-verify") },
                    spec: jobSpec({
                        ...common, labels: labelsFor("restore-verify"),
                        containers: [scriptContainer({
                            name: "restore-verify", image: args.image, script: "db-restore.sh",
                            args: ["--verify", "--latest", BACKUP_MOUNT],
                            credentialsSecret: args.credentials.owner,
                            env: { RESTORE_JOBS: String(parallelJobs), VERIFY_DATABASE: args.verifyDatabaseName },
                        })],
                        deadlineSeconds: args.jobDeadlineSeconds, backoffLimit: 0, ttlSecondsAfterFinished: 86400,
                    }),
                },
            },
        }, after);

        // The gate of this release's rollout.
        this.preDeployBackup = new k8s.batch.v1.Job(`${name}-pre-deploy`, {
            metadata: {
                ...meta(jobNameForTag(PRE_DEPLOY_JOB_PREFIX, args.imageTag), "pre-deploy-backup"),
                annotations: { "pulumi.com/replaceUnready": "true" },
            },
            spec: jobSpec({
                ...common, labels: labelsFor("pre-deploy-backup"), containers: [backupRun("pre_deployment")],
                deadlineSeconds: args.jobDeadlineSeconds, backoffLimit: 1, ttlSecondsAfterFinished: 7 * 86400,
            }),
        }, {
            ...after,
            // A fixed name: a replacement (a retry, a changed script) must delete the old Job first.
            deleteBeforeReplace: true,
            customTimeouts: { create: awaitTimeout(args.jobDeadlineSeconds), update: awaitTimeout(args.jobDeadlineSeconds) },
        });

        if (args.restore) {
            const request = args.restore;
            // First a copy of what is about to be replaced, then the restore with its row-count check.
            // Never retried by Kubernetes: a half-done restore is for a person to look at.
            const job = new k8s.batch.v1.Job(`${name}-restore-${request.requestId}`, {
                metadata: meta(`${RESTORE_JOB_PREFIX}-${request.requestId}`, "restore"),
                spec: jobSpec({
                    ...common, labels: labelsFor("restore"),
                    initContainers: [scriptContainer({
                        name: "backup-before-restore", image: args.image, script: "db-backup.sh",
                        credentialsSecret: args.credentials.backup, env: env("pre_restore"),
                    })],
                    containers: [scriptContainer({
                        name: "restore", image: args.image, script: "db-restore.sh",
                        args: ["--clean", `${BACKUP_MOUNT}/${request.file}`],
                        credentialsSecret: args.credentials.owner, env: { RESTORE_JOBS: String(parallelJobs) },
                    })],
                    deadlineSeconds: 2 * args.jobDeadlineSeconds, backoffLimit: 0, ttlSecondsAfterFinished: 7 * 86400,
                }),
            }, {
                ...after,
                customTimeouts: { create: awaitTimeout(2 * args.jobDeadlineSeconds), update: awaitTimeout(2 * args.jobDeadlineSeconds) },
            });
            this.restore = pulumi.all([job.metadata.name, job.status]).apply(([jobName, status]) => ({
                requestId: request.requestId,
                file: request.file,
                job: jobName,
                succeeded: status?.succeeded ?? 0,
            }));
        }

        this.registerOutputs({ claimName: this.claimName, preDeployBackup: this.preDeployBackup.metadata.name, restore: this.restore });
    }
}
