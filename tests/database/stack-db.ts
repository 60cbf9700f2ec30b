/**
 * A stack's database on a real test server, set up with the SQL the program's roles, databases,
 * grants and default privileges stand for (components/database/access.ts + sql.ts), applied as a
 * non-superuser admin like the provider's. Shared by the tests of this area and the benchmark.
 */
import { RoleKey, ROLE_KEYS, defaultPrivilegeSpecs, grantSpecs, roleNames, roleSpecs, verifyDatabaseNameFor } from "../../components/database/access";
import { adminMembershipSql, createDatabaseSql, createRoleSql, defaultPrivilegeSql, grantSql, quoteIdent, quoteLiteral } from "../../components/database/sql";
import { BOOKING_SCHEMA_SQL, BookingRows, seedSql } from "../support/booking-data";
import { Login, PgServer } from "../support/postgres";

export interface StackDatabase {
    database: string;
    /** The scratch database of the restore verification, made as the program makes it. */
    verifyDatabase: string;
    admin: Login;
    /** Logins of the program's roles, on the stack's database. */
    roles: Record<RoleKey, Login & { database: string }>;
}

/** Passwords with every character a URL or a SQL literal could trip on. */
export const AWKWARD_PASSWORD_CHARS = "p@ss:w/rd?#&%'\"\\ ";

export interface ProvisionOptions {
    appConnectionLimit?: number;
    /** SQL run as the owner role before the grants: tables of an earlier deploy. */
    beforeGrants?: string;
    /** The roles' passwords (a DBA's choice, e.g. the rehearsal's generated ones); awkward test passwords otherwise. */
    passwords?: Partial<Record<RoleKey, string>>;
}

export function provisionStackDatabase(server: PgServer, database: string, options: ProvisionOptions = {}): StackDatabase {
    const admin: Login = { user: `${database}_admin`, password: `Adm1n-${AWKWARD_PASSWORD_CHARS}`, database: "postgres" };
    // What a managed server's admin typically is: may create databases and roles, not a superuser.
    server.psql(`CREATE ROLE ${quoteIdent(admin.user)} LOGIN CREATEDB CREATEROLE PASSWORD ${quoteLiteral(admin.password)}`);

    const specs = roleSpecs(database, { appConnectionLimit: options.appConnectionLimit ?? 20, parallelJobs: 2 });
    const names = roleNames(database);
    const roles = {} as StackDatabase["roles"];
    for (const key of ROLE_KEYS) {
        roles[key] = { user: names[key], password: options.passwords?.[key] ?? `${key}-${AWKWARD_PASSWORD_CHARS}${database}`, database };
    }
    const verifyDatabase = verifyDatabaseNameFor(database);
    const statements = [
        ...specs.flatMap((r) => createRoleSql(r, roles[r.key].password)),
        adminMembershipSql(admin.user, names.owner),
        createDatabaseSql(database, names.owner),
        createDatabaseSql(verifyDatabase, names.owner),
    ];
    // CREATE DATABASE cannot run inside a transaction block: one statement per psql run.
    for (const sql of statements) server.psql(sql, admin);

    if (options.beforeGrants) server.psql(options.beforeGrants, roles.owner);
    const inDatabase = { ...admin, database };
    const grants = grantSpecs(admin.user, names);
    const privileges = [...grants.flatMap((g) => grantSql(database, g)), ...defaultPrivilegeSpecs(names).map(defaultPrivilegeSql)];
    server.psql(privileges.map((s) => `${s};`).join("\n"), inDatabase);
    return { database, verifyDatabase, admin, roles };
}

/** The app's tables and rows, created by the owner role as migrations would. */
export function seedBookingData(server: PgServer, db: StackDatabase, rows: BookingRows): void {
    server.psql(BOOKING_SCHEMA_SQL + seedSql(rows), db.roles.owner);
}

/** A fresh, empty database owned by the stack's owner role (a restore target). */
export function createEmptyDatabase(server: PgServer, db: StackDatabase, name: string): void {
    server.psql(createDatabaseSql(name, db.roles.owner.user), db.admin);
}

/** An order-independent fingerprint of a table's contents. */
export function tableFingerprint(server: PgServer, login: Login, table: string): string {
    return server.psql(`SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM ${table} t`, login);
}
