/**
 * The children of the Backups component that the pods share (the scripts' ConfigMap, the backup
 * volume, the ServiceAccount and the NetworkPolicy) and the restore Job, each created with the
 * `parent` it is given. What the objects hold comes from spec.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext, selectorLabels } from "../shared/labels";
import { allowPolicy, toCidr } from "../shared/network";
import { serviceAccount } from "../shared/workload";
import { BACKUP_APP, RESTORE_JOB_PREFIX, awaitTimeout } from "./jobs";
import { readScripts } from "./scripts";
import { BackupPods, BackupSettings, backupLabels, backupMetadata, backupVolumeClaimSpec, restoreJobSpec } from "./spec";

export interface RestoreStatus {
    requestId: string;
    file: string;
    job: string;
    /** Pods of the Job that succeeded (1 when the restore and its row-count check passed). */
    succeeded: number;
}

/**
 * The scripts (scripts/db-*.sh, as they are in the repo), the backup volume (protected and kept
 * when asked), the pods' ServiceAccount, and their NetworkPolicy: they reach the database server
 * and nothing else, and nothing reaches them.
 */
export function backupPods(
    name: string,
    o: {
        namespace: pulumi.Input<string>;
        labels: LabelContext;
        image: string;
        credentials: BackupPods["credentials"];
        server: { cidr: string; port: number };
        storageSize: string;
        storageClass?: string;
        jobDeadlineSeconds: number;
        parallelJobs: number;
        protect: boolean;
    },
    parent: pulumi.Resource,
): { pods: BackupPods; claim: k8s.core.v1.PersistentVolumeClaim } {
    const scripts = new k8s.core.v1.ConfigMap(
        `${name}-scripts`,
        {
            metadata: backupMetadata(o.namespace, o.labels, "ologywood-db-scripts", "backup"),
            data: readScripts(),
        },
        { parent },
    );
    const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-volume`,
        {
            metadata: backupMetadata(o.namespace, o.labels, "ologywood-backups", "backup"),
            spec: backupVolumeClaimSpec(o),
        },
        { parent, protect: o.protect, retainOnDelete: o.protect },
    );
    const account = serviceAccount(`${name}-sa`, { namespace: o.namespace, labels: backupLabels(o.labels, "backup"), accountName: BACKUP_APP }, parent);
    allowPolicy(
        `${name}-network`,
        {
            namespace: o.namespace,
            labels: backupLabels(o.labels, "backup"),
            podLabels: selectorLabels(o.labels, BACKUP_APP),
            ingress: [],
            egress: [toCidr(o.server.cidr, o.server.port)],
        },
        { parent },
    );
    const pods: BackupPods = {
        labels: o.labels,
        image: o.image,
        credentials: o.credentials,
        serviceAccountName: account.metadata.name,
        configMapName: scripts.metadata.name,
        claimName: claim.metadata.name,
        jobDeadlineSeconds: o.jobDeadlineSeconds,
        parallelJobs: o.parallelJobs,
    };
    return { pods, claim };
}

/** The restore Job of a request, awaited by `pulumi up` for up to its deadline, and what it reports. */
export function restoreJob(
    name: string,
    o: {
        namespace: pulumi.Input<string>;
        request: { file: string; requestId: string };
        settings: BackupSettings;
        pods: BackupPods;
    },
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<RestoreStatus> {
    const { request, pods } = o;
    const job = new k8s.batch.v1.Job(
        `${name}-restore-${request.requestId}`,
        {
            metadata: backupMetadata(o.namespace, pods.labels, `${RESTORE_JOB_PREFIX}-${request.requestId}`, "restore"),
            spec: restoreJobSpec(pods, request.file, o.settings),
        },
        {
            ...opts,
            customTimeouts: { create: awaitTimeout(2 * pods.jobDeadlineSeconds), update: awaitTimeout(2 * pods.jobDeadlineSeconds) },
        },
    );
    return pulumi.all([job.metadata.name, job.status]).apply(([jobName, status]) => ({
        requestId: request.requestId,
        file: request.file,
        job: jobName,
        succeeded: status?.succeeded ?? 0,
    }));
}
