/** `ologywood:db` and `ologywood:backup`: the PostgreSQL server this stack uses and its backups. */
import { z } from "zod";
import { boolean, byteQuantity, cidr, cron, dnsSubdomain, hostname, imageReference, imageTagSchema, integer, secretString } from "./types";

const ROLE_PASSWORD = (role: string) => secretString(`the ${role} role's password, as the DBA set it`);

export const databaseSchema = z
    .strictObject(
        {
            /** Host name of the PostgreSQL server. */
            host: hostname(),
            /** Port of the PostgreSQL server. */
            port: integer(1, 65535, "a TCP port").default(5432),
            /**
             * `managed`: the program creates the database, the roles (generated passwords) and the grants
             * through the admin role. `external`: a DBA created them outside Pulumi (the same names and
             * grants: docs/database.md) and `db.credentials` holds the roles' passwords; the program only
             * hands them to the pods.
             */
            mode: z.enum(["managed", "external"], { error: "expected managed or external" }).default("managed"),
            /** A role allowed to create databases and roles (used by the provider, never by the app); managed mode. */
            adminUser: z.string({ error: "expected the admin role name" }).min(1, { error: "expected the admin role name" }).optional(),
            /** Password of the admin role; only the provider uses it; managed mode. */
            adminPassword: secretString("the admin role's password").optional(),
            /** The roles' passwords when a DBA manages the database (mode external). */
            credentials: z
                .strictObject(
                    {
                        /** The app role (DML only). */
                        app: ROLE_PASSWORD("app"),
                        /** The backup role (read-only, pg_dump). */
                        backup: ROLE_PASSWORD("backup"),
                        /** The monitoring role (pg_monitor). */
                        monitoring: ROLE_PASSWORD("monitoring"),
                        /** The owner role (owns the schema; migrations and restores). */
                        owner: ROLE_PASSWORD("owner"),
                    },
                    { error: "expected an object with app, backup, monitoring and owner passwords" },
                )
                .optional(),
            /** libpq sslmode for every connection; `require` unless the stack says otherwise. */
            sslmode: z
                .enum(["disable", "require", "verify-ca", "verify-full"], {
                    error: "expected one of disable, require, verify-ca, verify-full",
                })
                .default("require"),
            /** Where the server lives, for the workloads' egress NetworkPolicy. */
            cidr: cidr(),
            /** Connection limit of the app role. */
            appConnectionLimit: integer(1, 10000).default(50),
            /** Protect the database from `pulumi destroy` and keep it when removed from the program. */
            protect: boolean().default(false),
        },
        { error: "expected an object" },
    )
    .superRefine((db, ctx) => {
        // What each mode needs; absent secrets are filled with placeholders by the render, so only presence is checked.
        if (db.mode === "managed" && db.adminUser === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["adminUser"],
                message: "is required with db.mode managed (the program creates the roles through it); expected the admin role name",
                input: undefined,
            });
        }
        if (db.mode === "managed" && db.adminPassword === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["adminPassword"],
                message:
                    "is required with db.mode managed (the program creates the roles through the admin role); expected the admin role's password (a secret: set it with `pulumi config set --secret --path ologywood:db.adminPassword ...`)",
                input: undefined,
            });
        }
        if (db.mode === "external" && db.credentials === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["credentials"],
                message:
                    "is required with db.mode external: expected the app, backup, monitoring and owner roles' passwords (set each with `pulumi config set --secret --path ologywood:db.credentials.<role> ...`)",
                input: undefined,
            });
        }
    });

/** A backup as db-backup.sh names it: `<database>_<label>_<UTC timestamp>.dump`, no directory part. */
export const BACKUP_FILE = /^[A-Za-z0-9_-]+_[a-z0-9][a-z0-9_-]*_\d{8}T\d{6}Z\.dump$/;
const BACKUP_FILE_EXPECTED = "expected a backup name such as ologywood_prod_pre_deployment_20260125T140000Z.dump (a file in the backup volume, no directory)";

/** Names the restore Job (`ologywood-db-restore-<requestId>`), so a new id is a new run. */
export const RESTORE_REQUEST_ID = /^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$/;

export const restoreRequestSchema = z.strictObject(
    {
        /** The backup to restore, by name. */
        file: z.string({ error: BACKUP_FILE_EXPECTED }).regex(BACKUP_FILE, { error: BACKUP_FILE_EXPECTED }),
        /** Unique per request; a repeated `pulumi up` with the same id does not restore again. */
        requestId: z
            .string({ error: "expected a request id: lowercase letters, digits and '-', at most 30 characters" })
            .regex(RESTORE_REQUEST_ID, { error: "expected a request id: lowercase letters, digits and '-', at most 30 characters" }),
    },
    { error: "expected an object with file and requestId" },
);

export const backupSchema = z.strictObject(
    {
        /** When scheduled backups run (cron, UTC). */
        schedule: cron().default("0 2 * * *"),
        /** When a scheduled restore into a scratch database verifies the latest backup. */
        verifySchedule: cron().default("30 3 * * *"),
        /** Backups older than this many days are deleted (this database's files only). */
        retentionDays: integer(1, 3650).default(14),
        /** Size of the backup volume. */
        storageSize: byteQuantity().default("20Gi"),
        /** Storage class of the backup volume; the cluster default when absent. */
        storageClass: dnsSubdomain("StorageClass names").optional(),
        /** Image with pg_dump/pg_restore/psql and bash; its major version must be >= the server's. */
        image: imageReference("postgres:16-bookworm").default("postgres:16-bookworm"),
        /** Deadline of a backup or restore Job, in seconds. */
        jobDeadlineSeconds: integer(60, 86400).default(3600),
        /** Parallel workers of pg_dump and pg_restore (`-j`); each is one more database connection. */
        parallelJobs: integer(1, 16).default(2),
        /**
         * gzip level of the dump's data files: 0 (the default) is the fastest backup and restore
         * (see `npm run bench:backup`), 1-9 trade time for space on the backup volume.
         */
        compression: integer(0, 9, "a gzip level").default(0),
        /**
         * A requested restore, set by `npm run db:restore` (not by hand): the program adds a Job that
         * restores this backup into the live database, and `pulumi up` waits for it. Only allowed
         * while `ologywood:paused` is true (nothing may write meanwhile).
         */
        restore: restoreRequestSchema.optional(),
        /**
         * Set by a rollback (`npm run rollback`, the release's automatic rollback), not by hand: the
         * image tag the stack went back to. Its data was backed up when it was first released, and a
         * rollback restores code, not data, so no pre-deploy backup runs (or is waited for) while the
         * stack runs that tag; the next release of another tag takes one again. Kept in the update's
         * config, so the stack's history says why that update had no backup.
         */
        skipPreDeployFor: imageTagSchema.optional(),
    },
    { error: "expected an object" },
);
