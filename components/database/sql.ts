/**
 * The SQL that the roles, grants and default privileges of access.ts stand for: what the
 * PostgreSQL provider executes for the resources the Database component declares from the same
 * data. The program never runs it (the provider does); the tests run it against a real server,
 * as the admin role, to prove that the privileges hold and that a non-superuser admin can grant
 * them. docs/database.md shows it too.
 */
import { DefaultPrivilegeSpec, GrantSpec, RoleSpec } from "./access";

export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/** `public` is the PUBLIC pseudo-role, every other name a role. */
function grantee(role: string): string {
    return role === "public" ? "PUBLIC" : quoteIdent(role);
}

export function createRoleSql(role: RoleSpec, password: string): string[] {
    return [
        `CREATE ROLE ${quoteIdent(role.name)} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB ` +
            `CONNECTION LIMIT ${role.connectionLimit} PASSWORD ${quoteLiteral(password)}`,
        ...role.memberOf.map((m) => `GRANT ${quoteIdent(m)} TO ${quoteIdent(role.name)}`),
    ];
}

/** The admin becomes a member of the owner role (GrantRole), which it needs to create a database owned by it. */
export function adminMembershipSql(adminUser: string, ownerRole: string): string {
    return `GRANT ${quoteIdent(ownerRole)} TO ${quoteIdent(adminUser)}`;
}

export function createDatabaseSql(database: string, owner: string): string {
    return `CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)} TEMPLATE template0 ENCODING 'UTF8'`;
}

const ON: Record<GrantSpec["objectType"], (database: string, schema?: string) => string> = {
    database: (database) => `DATABASE ${quoteIdent(database)}`,
    schema: (_, schema) => `SCHEMA ${quoteIdent(schema!)}`,
    table: (_, schema) => `ALL TABLES IN SCHEMA ${quoteIdent(schema!)}`,
    sequence: (_, schema) => `ALL SEQUENCES IN SCHEMA ${quoteIdent(schema!)}`,
};

/** As the provider applies a grant: revoke what the role had on the objects, then grant the list. */
export function grantSql(database: string, grant: GrantSpec): string[] {
    const on = ON[grant.objectType](database, grant.schema);
    return [
        `REVOKE ALL PRIVILEGES ON ${on} FROM ${grantee(grant.role)}`,
        ...(grant.privileges.length > 0 ? [`GRANT ${grant.privileges.join(", ")} ON ${on} TO ${grantee(grant.role)}`] : []),
    ];
}

export function defaultPrivilegeSql(d: DefaultPrivilegeSpec): string {
    const objects = d.objectType === "table" ? "TABLES" : "SEQUENCES";
    return (
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(d.owner)} IN SCHEMA ${quoteIdent(d.schema)} ` +
        `GRANT ${d.privileges.join(", ")} ON ${objects} TO ${grantee(d.role)}`
    );
}
