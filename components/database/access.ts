/**
 * Who may do what in the stack's database, as plain data: the roles, the grants and the default
 * privileges. The Database component turns these into @pulumi/postgresql resources one for one,
 * and sql.ts turns the very same data into the SQL statements they stand for, which the tests
 * run against a real server to prove the privileges hold.
 */

/** The schema the app's tables live in. */
export const APP_SCHEMA = "public";

/** Roles the stack creates, by job. */
export type RoleKey = "owner" | "app" | "backup" | "monitoring";
export const ROLE_KEYS: readonly RoleKey[] = ["owner", "app", "backup", "monitoring"];

export interface RoleSpec {
    key: RoleKey;
    name: string;
    /** Why the role exists; shown in docs and errors. */
    purpose: string;
    login: true;
    superuser: false;
    createRole: false;
    /** No role creates databases: the verification's scratch database is the program's. */
    createDatabase: false;
    connectionLimit: number;
    /** Roles this role is a member of (`RoleArgs.roles`). */
    memberOf: string[];
}

/** Same fields as @pulumi/postgresql GrantArgs (database is the stack's database). */
export interface GrantSpec {
    key: string;
    /** A role name, or "public" for every role. */
    role: string;
    objectType: "database" | "schema" | "table" | "sequence";
    schema?: string;
    /** Empty: revoke everything from `role`. */
    privileges: string[];
}

/** Same fields as @pulumi/postgresql DefaultPrivilegesArgs. */
export interface DefaultPrivilegeSpec {
    key: string;
    /** Objects this role creates get the privileges. */
    owner: string;
    role: string;
    objectType: "table" | "sequence";
    schema: string;
    privileges: string[];
}

/** `ologywood_<stack>`: prod is `ologywood_prod`, as in the deployment plan. */
export function databaseNameFor(stack: string): string {
    const name = `ologywood_${stack.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
    if (name.length > 48) throw new Error(`database name '${name}' is too long: stack names must keep it within 48 characters (role names add a suffix)`);
    return name;
}

/**
 * The scratch database the restore verification restores into: made by the program, owned by the
 * owner role, emptied by `db-restore.sh --verify` (which uses only a database whose name ends in
 * `_verify`), so that the owner role needs no CREATEDB.
 */
export function verifyDatabaseNameFor(database: string): string {
    return `${database}_verify`;
}

export function roleNames(database: string): Record<RoleKey, string> {
    return { owner: `${database}_owner`, app: `${database}_app`, backup: `${database}_backup`, monitoring: `${database}_monitoring` };
}

/** The monitoring role's membership: read every statistics view, nothing else. */
export const PG_MONITOR = "pg_monitor";

/** Row data privileges of the app: no TRUNCATE, REFERENCES, TRIGGER, no DDL. */
export const APP_TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE"];
/** nextval() of serial/identity columns needs USAGE; currval() SELECT. */
export const APP_SEQUENCE_PRIVILEGES = ["USAGE", "SELECT"];

export function roleSpecs(database: string, options: { appConnectionLimit: number; parallelJobs: number }): RoleSpec[] {
    const names = roleNames(database);
    return [
        {
            key: "owner",
            name: names.owner,
            purpose: "owns the database, its tables and the verification's scratch database; runs migrations, restores and the restore verification",
            login: true,
            superuser: false,
            createRole: false,
            createDatabase: false,
            // pg_restore -j N plus the checks, and a migration.
            connectionLimit: options.parallelJobs + 4,
            memberOf: [],
        },
        {
            key: "app",
            name: names.app,
            purpose: "the booking app: reads and writes rows, nothing else",
            login: true,
            superuser: false,
            createRole: false,
            createDatabase: false,
            connectionLimit: options.appConnectionLimit,
            memberOf: [],
        },
        {
            key: "backup",
            name: names.backup,
            purpose: "pg_dump: reads every table and sequence, writes nothing",
            login: true,
            superuser: false,
            createRole: false,
            createDatabase: false,
            // pg_dump -j N opens N + 1 connections; the snapshot session and a check add two.
            connectionLimit: options.parallelJobs + 3,
            memberOf: [],
        },
        {
            key: "monitoring",
            name: names.monitoring,
            purpose: "postgres_exporter: statistics views through pg_monitor",
            login: true,
            superuser: false,
            createRole: false,
            createDatabase: false,
            connectionLimit: 3,
            memberOf: [PG_MONITOR],
        },
    ];
}

/**
 * Grants on what exists now. CONNECT is revoked from PUBLIC first (every role on the server
 * could connect otherwise) and given back to the roles that need it, the admin included (the
 * provider connects as the admin to manage the grants).
 */
export function grantSpecs(adminUser: string, names: Record<RoleKey, string>): GrantSpec[] {
    return [
        { key: "admin-connect", role: adminUser, objectType: "database", privileges: ["CONNECT"] },
        { key: "public-connect", role: "public", objectType: "database", privileges: [] },
        { key: "app-connect", role: names.app, objectType: "database", privileges: ["CONNECT"] },
        { key: "app-schema", role: names.app, objectType: "schema", schema: APP_SCHEMA, privileges: ["USAGE"] },
        { key: "app-tables", role: names.app, objectType: "table", schema: APP_SCHEMA, privileges: APP_TABLE_PRIVILEGES },
        { key: "app-sequences", role: names.app, objectType: "sequence", schema: APP_SCHEMA, privileges: APP_SEQUENCE_PRIVILEGES },
        { key: "backup-connect", role: names.backup, objectType: "database", privileges: ["CONNECT"] },
        { key: "backup-schema", role: names.backup, objectType: "schema", schema: APP_SCHEMA, privileges: ["USAGE"] },
        { key: "backup-tables", role: names.backup, objectType: "table", schema: APP_SCHEMA, privileges: ["SELECT"] },
        { key: "backup-sequences", role: names.backup, objectType: "sequence", schema: APP_SCHEMA, privileges: ["SELECT"] },
        { key: "monitoring-connect", role: names.monitoring, objectType: "database", privileges: ["CONNECT"] },
    ];
}

/** Tables and sequences the owner creates later (migrations) get the same privileges. */
export function defaultPrivilegeSpecs(names: Record<RoleKey, string>): DefaultPrivilegeSpec[] {
    return [
        { key: "app-tables", owner: names.owner, role: names.app, objectType: "table", schema: APP_SCHEMA, privileges: APP_TABLE_PRIVILEGES },
        { key: "app-sequences", owner: names.owner, role: names.app, objectType: "sequence", schema: APP_SCHEMA, privileges: APP_SEQUENCE_PRIVILEGES },
        { key: "backup-tables", owner: names.owner, role: names.backup, objectType: "table", schema: APP_SCHEMA, privileges: ["SELECT"] },
        { key: "backup-sequences", owner: names.owner, role: names.backup, objectType: "sequence", schema: APP_SCHEMA, privileges: ["SELECT"] },
    ];
}
