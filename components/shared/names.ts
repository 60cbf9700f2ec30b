/**
 * Names that one component creates and another refers to. Kept here so that the producer and
 * its consumers cannot drift apart.
 */

/** Secret with the app role's connection string (key DATABASE_URL); made by the Database component. */
export const DATABASE_SECRET = { name: "ologywood-database", key: "DATABASE_URL" } as const;

/** Secret with the monitoring role's DSN for postgres_exporter (key DATA_SOURCE_NAME). */
export const DB_MONITORING_SECRET = { name: "ologywood-db-monitoring", key: "DATA_SOURCE_NAME" } as const;

/** Secret with the backup role's libpq environment (PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLMODE). */
export const DB_BACKUP_SECRET = { name: "ologywood-db-backup" } as const;

/** Secret with the owner role's libpq environment, for restores and the restore verification. */
export const DB_OWNER_SECRET = { name: "ologywood-db-owner" } as const;

/** Secret with the SMTP password (key SMTP_PASSWORD); made by the EmailService component. */
export const SMTP_SECRET = { name: "ologywood-smtp", key: "SMTP_PASSWORD" } as const;

/**
 * Environment variables the program sets on the app's containers: DATABASE_URL (from the
 * database Secret) on all three, PORT on the API, SMTP_* on the email service (the password from
 * the SMTP Secret). Config `app.env` may not name them (config/schema.ts refuses them).
 */
export const APP_ENV = {
    databaseUrl: "DATABASE_URL",
    port: "PORT",
    smtpHost: "SMTP_HOST",
    smtpPort: "SMTP_PORT",
    smtpUser: "SMTP_USER",
    smtpFrom: "SMTP_FROM",
    smtpPassword: "SMTP_PASSWORD",
} as const;

/** Workload names, also their `app.kubernetes.io/name` label. */
export const WORKLOADS = {
    api: "ologywood-api",
    worker: "ologywood-worker",
    email: "ologywood-email",
    maintenance: "ologywood-maintenance",
} as const;

/**
 * Backup CronJobs and Jobs, made by the Backups component and watched by the monitoring alerts
 * (kube-state-metrics reports them by name). Every backup, verify or restore Job's name matches
 * BACKUP_JOB_NAME_REGEX (CronJob children are `<cronjob>-<timestamp>`).
 */
export const BACKUP_CRONJOBS = {
    backup: "ologywood-db-backup",
    verify: "ologywood-db-backup-verify",
} as const;
export const BACKUP_JOB_NAME_REGEX = "ologywood-db-(backup|restore).*";
