/**
 * How a role's credentials reach a pod: a `postgresql://` URL for the app (DATABASE_URL) and the
 * exporter (DATA_SOURCE_NAME), libpq environment variables for the backup scripts. Pure
 * functions; the component applies them to secret Outputs, the tests to real logins.
 */

export type SslMode = "disable" | "require" | "verify-ca" | "verify-full";

export interface ConnectionParams {
    host: string;
    port: number;
    database: string;
    user: string;
    password: string;
    sslmode: SslMode;
}

/** Every part percent-encoded, so any password survives (libpq and node-postgres decode it). */
export function postgresUrl(p: ConnectionParams): string {
    const e = encodeURIComponent;
    const host = p.host.includes(":") ? `[${p.host}]` : p.host;
    return `postgresql://${e(p.user)}:${e(p.password)}@${host}:${p.port}/${e(p.database)}?sslmode=${e(p.sslmode)}`;
}

/** What libpq reads from the environment (pg_dump, pg_restore, psql in the backup Jobs). */
export function libpqEnvironment(p: ConnectionParams): Record<string, string> {
    return {
        PGHOST: p.host,
        PGPORT: String(p.port),
        PGDATABASE: p.database,
        PGUSER: p.user,
        PGPASSWORD: p.password,
        PGSSLMODE: p.sslmode,
    };
}
