/**
 * Pure builders for the backup pods: Job names, the containers that run the scripts, the Job
 * specs. The Backups component declares resources from them; tests call them directly.
 */
import { createHash } from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { hardenedPodSpec } from "../shared/pod";
import { SCRIPTS_MOUNT } from "./scripts";

type Container = k8s.types.input.core.v1.Container;
type JobSpec = k8s.types.input.batch.v1.JobSpec;

/** `app.kubernetes.io/name` of every backup, restore and verification pod (one NetworkPolicy). */
export const BACKUP_APP = "ologywood-db-backup";
/** Where the backup volume is mounted. */
export const BACKUP_MOUNT = "/backups";

export const PRE_DEPLOY_JOB_PREFIX = "ologywood-db-backup-pre-deploy";
export const RESTORE_JOB_PREFIX = "ologywood-db-restore";

/**
 * A Job name for a release: `<prefix>-<tag>` with the tag made a DNS label (lowercase, [a-z0-9-]).
 * Too long for 63 characters, the tag is shortened and a hash of the full tag appended, so two
 * tags never share a name.
 */
export function jobNameForTag(prefix: string, tag: string): string {
    const clean = tag
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    if (clean.length === 0) throw new Error(`image tag '${tag}' has no letters or digits to name a Job with`);
    const full = `${prefix}-${clean}`;
    if (full.length <= 63 && clean === tag) return full;
    // Different tags can clean to the same text (1.0.0 and 1-0-0): the hash keeps them apart.
    const hash = createHash("sha256").update(tag).digest("hex").slice(0, 8);
    const room = 63 - prefix.length - 2 - hash.length;
    if (room < 1) throw new Error(`Job name prefix '${prefix}' is too long`);
    return `${prefix}-${clean.slice(0, room).replace(/-+$/, "")}-${hash}`;
}

export interface ScriptRun {
    /** Container name. */
    name: string;
    image: string;
    /** The script (db-backup.sh or db-restore.sh) and its arguments. */
    script: "db-backup.sh" | "db-restore.sh";
    args?: string[];
    /** Secret with the libpq environment of the role to connect as. */
    credentialsSecret: string;
    env: Record<string, string>;
}

export const scriptsVolume = (configMapName: pulumi.Input<string>) => ({ name: "scripts", configMap: { name: configMapName, defaultMode: 0o444 } });
export const backupsVolume = (claimName: pulumi.Input<string>) => ({ name: "backups", persistentVolumeClaim: { claimName } });

export function scriptContainer(run: ScriptRun): Container {
    const env = {
        // No passwd entry for the pod's UID: give libpq and bash a writable home.
        HOME: "/tmp",
        PGCONNECT_TIMEOUT: "10",
        PGAPPNAME: `ologywood-${run.name}`,
        ...run.env,
    };
    return {
        name: run.name,
        image: run.image,
        command: ["bash", `${SCRIPTS_MOUNT}/${run.script}`, ...(run.args ?? [])],
        env: Object.keys(env)
            .sort()
            .map((name) => ({ name, value: env[name as keyof typeof env] })),
        envFrom: [{ secretRef: { name: run.credentialsSecret } }],
        volumeMounts: [
            { name: "scripts", mountPath: SCRIPTS_MOUNT, readOnly: true },
            { name: "backups", mountPath: BACKUP_MOUNT },
        ],
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    };
}

export interface JobOptions {
    labels: Record<string, string>;
    serviceAccountName: pulumi.Input<string>;
    configMapName: pulumi.Input<string>;
    claimName: pulumi.Input<string>;
    containers: Container[];
    initContainers?: Container[];
    /** Kubernetes kills the Job after this many seconds. */
    deadlineSeconds: number;
    /** Retries after a failed pod. */
    backoffLimit: number;
    /** The finished Job (and its logs) is deleted after this. */
    ttlSecondsAfterFinished: number;
}

/** A Job spec whose pod is restricted like every other pod, with the scripts and the volume. */
export function jobSpec(o: JobOptions): JobSpec {
    return {
        backoffLimit: o.backoffLimit,
        activeDeadlineSeconds: o.deadlineSeconds,
        ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
        template: {
            metadata: { labels: o.labels },
            spec: hardenedPodSpec({
                serviceAccountName: o.serviceAccountName,
                restartPolicy: "Never",
                initContainers: o.initContainers,
                containers: o.containers,
                volumes: [scriptsVolume(o.configMapName), backupsVolume(o.claimName)],
                // The restore's work files (checksum results, pg_restore's log) are small.
                tmpSizeLimit: "256Mi",
            }),
        },
    };
}

/** Environment of db-backup.sh. */
export function backupEnv(o: { label: string; retentionDays: number; parallelJobs: number; compression: number }): Record<string, string> {
    return {
        BACKUP_DIR: BACKUP_MOUNT,
        BACKUP_LABEL: o.label,
        BACKUP_RETENTION_DAYS: String(o.retentionDays),
        BACKUP_JOBS: String(o.parallelJobs),
        BACKUP_COMPRESSION: String(o.compression),
    };
}

/**
 * How long `pulumi up` waits for a Job it creates: the provider's default is 10 minutes, the Job's
 * own deadline may be longer; the extra 5 minutes cover scheduling and image pulls.
 */
export function awaitTimeout(deadlineSeconds: number): string {
    return `${deadlineSeconds + 300}s`;
}
