/** `ologywood:db` and `ologywood:backup`: the PostgreSQL server this stack uses and its backups. */
import { z } from "zod";
import { boolean, byteQuantity, cidr, cron, hostname, integer, secretString } from "./types";

export const databaseSchema = z.strictObject({
    /** Host name of the PostgreSQL server. */
    host: hostname(),
    /** Port of the PostgreSQL server. */
    port: integer(1, 65535, "a TCP port").default(5432),
    /** A role allowed to create databases and roles (used by the provider, never by the app). */
    adminUser: z.string({ error: "expected the admin role name" }).min(1, { error: "expected the admin role name" }),
    /** Password of the admin role; only the provider uses it. */
    adminPassword: secretString("the admin role's password"),
    /** libpq sslmode for every connection; `require` unless the stack says otherwise. */
    sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"], {
        error: "expected one of disable, require, verify-ca, verify-full",
    }).default("require"),
    /** Where the server lives, for the workloads' egress NetworkPolicy. */
    cidr: cidr(),
    /** Connection limit of the app role. */
    appConnectionLimit: integer(1, 10000).default(50),
    /** Protect the database from `pulumi destroy` and keep it when removed from the program. */
    protect: boolean().default(false),
}, { error: "expected an object" });

export const backupSchema = z.strictObject({
    /** When scheduled backups run (cron, UTC). */
    schedule: cron().default("0 2 * * *"),
    /** When a scheduled restore into a scratch database verifies the latest backup. */
    verifySchedule: cron().default("30 3 * * *"),
    /** Backups older than this many days are deleted (this database's files only). */
    retentionDays: integer(1, 3650).default(14),
    /** Size of the backup volume. */
    storageSize: byteQuantity().default("20Gi"),
    /** Storage class of the backup volume; the cluster default when absent. */
    storageClass: z.string().min(1).optional(),
    /** Image with pg_dump/pg_restore/psql and bash; its major version must be >= the server's. */
    image: z.string().min(1).default("postgres:16-bookworm"),
    /** Deadline of a backup or restore Job, in seconds. */
    jobDeadlineSeconds: integer(60, 86400).default(3600),
}, { error: "expected an object" });
