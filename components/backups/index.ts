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
import { LabelContext } from "../shared/labels";
import { BACKUP_CRONJOBS } from "../shared/names";
import { PRE_DEPLOY_JOB_PREFIX, awaitTimeout, jobNameForTag } from "./jobs";
import { RestoreStatus, backupPods, restoreJob } from "./resources";
import { backupCronJobSpec, backupMetadata, preDeployJobSpec, verifyCronJobSpec } from "./spec";
import { COMPONENT_TYPES } from "../shared/types";

export * from "./jobs";
export * from "./resources";
export * from "./scripts";
export * from "./spec";

export const BACKUPS_TYPE = COMPONENT_TYPES.backups;

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
    /** A rollback's tag (config `backup.skipPreDeployFor`): no pre-deploy backup while the stack runs it. */
    skipPreDeployFor?: string;
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
    /** Parallel workers of pg_dump and pg_restore (config `backup.parallelJobs`). */
    parallelJobs: number;
    /** gzip level of the dumps (config `backup.compression`). */
    compression: number;
    /** A restore requested by `npm run db:restore`. */
    restore?: { file: string; requestId: string };
    /** Keep the backup volume when it leaves the program, and refuse to delete it (prod). */
    protect: boolean;
    /** The Jobs start after these: the database, its roles and grants. */
    after?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Backups of the stack's database: a volume, scheduled backups, a scheduled restore into a scratch
 * database that proves the newest backup restores, the pre-deploy backup that gates every rollout,
 * and a restore Job when one is requested. The objects come from resources.ts and spec.ts.
 */
export class Backups extends pulumi.ComponentResource {
    /**
     * Pass to the workloads' `rolloutAfter`: they roll out only after this backup succeeded.
     * Absent on a rollback, which must never wait for a full backup (a failing database would
     * fail the rollback with it).
     */
    readonly preDeployBackup?: k8s.batch.v1.Job;
    readonly claimName: pulumi.Output<string>;
    /** Present while a restore is requested; read by `npm run db:restore` from the stack outputs. */
    readonly restore?: pulumi.Output<RestoreStatus>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(BACKUPS_TYPE, name, {}, opts);
        const meta = (n: string, component: string) => backupMetadata(args.namespace, args.labels, n, component);
        const after = { parent: this, dependsOn: args.after ?? [] };

        const { pods, claim } = backupPods(name, args, this);
        this.claimName = claim.metadata.name;

        new k8s.batch.v1.CronJob(`${name}-scheduled`, { metadata: meta(BACKUP_CRONJOBS.backup, "backup"), spec: backupCronJobSpec(pods, args) }, after);
        new k8s.batch.v1.CronJob(`${name}-verify`, { metadata: meta(BACKUP_CRONJOBS.verify, "restore-verify"), spec: verifyCronJobSpec(pods, args) }, after);

        // The gate of this release's rollout; none when the stack goes back to a tag already backed up.
        this.preDeployBackup =
            args.skipPreDeployFor === args.imageTag
                ? undefined
                : new k8s.batch.v1.Job(
                      `${name}-pre-deploy`,
                      {
                          metadata: {
                              ...meta(jobNameForTag(PRE_DEPLOY_JOB_PREFIX, args.imageTag), "pre-deploy-backup"),
                              annotations: { "pulumi.com/replaceUnready": "true" },
                          },
                          spec: preDeployJobSpec(pods, args),
                      },
                      {
                          ...after,
                          // A fixed name: a replacement (a retry, a changed script) must delete the old Job first.
                          deleteBeforeReplace: true,
                          customTimeouts: { create: awaitTimeout(args.jobDeadlineSeconds), update: awaitTimeout(args.jobDeadlineSeconds) },
                      },
                  );

        if (args.restore) {
            this.restore = restoreJob(name, { namespace: args.namespace, request: args.restore, settings: args, pods }, after);
        }

        this.registerOutputs({ claimName: this.claimName, preDeployBackup: this.preDeployBackup?.metadata.name, restore: this.restore });
    }
}
