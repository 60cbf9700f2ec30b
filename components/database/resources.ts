/**
 * The children of the Database component, one function per kind, each creating its resources
 * with the `{ parent, provider }` it is given (the component passes itself and its provider), and
 * the pure argument builders they use. Tests call both directly; the data they turn into
 * resources is access.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LabelContext, recommendedLabels } from "../shared/labels";
import { DATABASE_SECRET, DB_BACKUP_SECRET, DB_MONITORING_SECRET, DB_OWNER_SECRET } from "../shared/names";
import { DefaultPrivilegeSpec, GrantSpec, ROLE_KEYS, RoleKey, RoleSpec, defaultPrivilegeSpecs, grantSpecs } from "./access";
import { ConnectionParams, SslMode, libpqEnvironment, postgresUrl } from "./connection";

/** The PostgreSQL server (config `db`). */
export interface DatabaseServer {
    host: string;
    port: number;
    sslmode: SslMode;
}

/** The admin role the provider uses, when the program manages the database (config `db.mode` managed). */
export interface DatabaseAdmin {
    user: string;
    /** A secret. */
    password: pulumi.Input<string>;
}

/** A role's login as its Secret carries it. */
export interface RoleLogin {
    user: pulumi.Input<string>;
    /** A secret. */
    password: pulumi.Input<string>;
}

/** What every PostgreSQL child is created with. */
export interface PgOptions {
    parent: pulumi.Resource;
    provider: postgresql.Provider;
}

/** Secret names, by role. Every Secret holds credentials only; none is an output. */
export const SECRET_OF: Record<RoleKey, { name: string }> = {
    owner: DB_OWNER_SECRET,
    app: DATABASE_SECRET,
    backup: DB_BACKUP_SECRET,
    monitoring: DB_MONITORING_SECRET,
};

export function providerArgs(server: DatabaseServer, admin: DatabaseAdmin): postgresql.ProviderArgs {
    return {
        host: server.host,
        port: server.port,
        username: admin.user,
        password: pulumi.secret(admin.password),
        database: "postgres",
        sslmode: server.sslmode,
        // Managed servers do not give out superuser; the admin needs CREATEDB and CREATEROLE.
        superuser: false,
    };
}

export function roleArgs(spec: RoleSpec, password: pulumi.Input<string>): postgresql.RoleArgs {
    return {
        name: spec.name,
        login: spec.login,
        password,
        superuser: spec.superuser,
        createRole: spec.createRole,
        createDatabase: spec.createDatabase,
        connectionLimit: spec.connectionLimit,
        roles: spec.memberOf,
    };
}

export interface DatabaseRoles {
    roles: Record<RoleKey, postgresql.Role>;
    passwords: Record<RoleKey, random.RandomPassword>;
}

/** Each role of `specs` (access.ts roleSpecs) with a generated password. */
export function databaseRoles(name: string, specs: RoleSpec[], pg: PgOptions): DatabaseRoles {
    const passwords = {} as Record<RoleKey, random.RandomPassword>;
    const roles = {} as Record<RoleKey, postgresql.Role>;
    for (const spec of specs) {
        // Letters and digits only: nothing to escape in a URL, a shell or a libpq file.
        passwords[spec.key] = new random.RandomPassword(`${name}-${spec.key}-password`, { length: 40, special: false }, { parent: pg.parent });
        roles[spec.key] = new postgresql.Role(`${name}-${spec.key}`, roleArgs(spec, passwords[spec.key].result), pg);
    }
    return { roles, passwords };
}

export interface StackDatabases {
    database: postgresql.Database;
    /** The admin's membership in the owner role. */
    adminInOwner: postgresql.GrantRole;
}

/**
 * The stack's database and the restore verification's scratch database, both owned by the owner
 * role. The owner needs no CREATEDB: `db-restore.sh --verify` empties the scratch database and
 * restores into it. The scratch database holds nothing to keep between verifications, so it is
 * never protected.
 */
export function stackDatabases(
    name: string,
    o: {
        databaseName: string;
        verifyDatabaseName: string;
        adminUser: string;
        owner: postgresql.Role;
        protect: boolean;
    },
    pg: PgOptions,
): StackDatabases {
    // Creating a database owned by another role requires membership in it (the provider's docs).
    const adminInOwner = new postgresql.GrantRole(`${name}-admin-in-owner`, { role: o.adminUser, grantRole: o.owner.name }, pg);
    const database = new postgresql.Database(
        `${name}-database`,
        {
            name: o.databaseName,
            owner: o.owner.name,
            encoding: "UTF8",
        },
        { ...pg, dependsOn: [adminInOwner], protect: o.protect, retainOnDelete: o.protect },
    );
    new postgresql.Database(
        `${name}-verify-database`,
        {
            name: o.verifyDatabaseName,
            owner: o.owner.name,
            encoding: "UTF8",
        },
        { ...pg, dependsOn: [adminInOwner] },
    );
    return { database, adminInOwner };
}

export function grantArgs(spec: GrantSpec, database: pulumi.Input<string>): postgresql.GrantArgs {
    return { database, role: spec.role, objectType: spec.objectType, schema: spec.schema, privileges: spec.privileges };
}

export function defaultPrivilegesArgs(spec: DefaultPrivilegeSpec, database: pulumi.Input<string>): postgresql.DefaultPrivilegesArgs {
    return { database, owner: spec.owner, role: spec.role, objectType: spec.objectType, schema: spec.schema, privileges: spec.privileges };
}

/** The grants and default privileges of access.ts on the stack's database, in the order they are declared. */
export function databaseGrants(
    name: string,
    o: {
        databases: StackDatabases;
        adminUser: string;
        names: Record<RoleKey, string>;
        roles: Record<RoleKey, postgresql.Role>;
    },
    pg: PgOptions,
): pulumi.Resource[] {
    const roles = Object.values(o.roles);
    const grants = new Map<string, postgresql.Grant>();
    for (const spec of grantSpecs(o.adminUser, o.names)) {
        // Revoking CONNECT from PUBLIC waits until the admin has its own.
        const after = spec.key === "public-connect" ? [grants.get("admin-connect")!] : [];
        grants.set(
            spec.key,
            new postgresql.Grant(`${name}-grant-${spec.key}`, grantArgs(spec, o.databases.database.name), { ...pg, dependsOn: [...after, ...roles] }),
        );
    }
    const defaults = defaultPrivilegeSpecs(o.names).map(
        (spec) =>
            new postgresql.DefaultPrivileges(`${name}-default-${spec.key}`, defaultPrivilegesArgs(spec, o.databases.database.name), {
                ...pg,
                dependsOn: [o.databases.adminInOwner, ...roles],
            }),
    );
    return [...grants.values(), ...defaults];
}

/** What each role's Secret holds: a URL for the app and the exporter, libpq's variables for the scripts. */
export function credentialsOf(key: RoleKey, p: ConnectionParams): Record<string, string> {
    switch (key) {
        case "owner":
        case "backup":
            return libpqEnvironment(p);
        case "app":
            return { [DATABASE_SECRET.key]: postgresUrl(p) };
        case "monitoring":
            return { [DB_MONITORING_SECRET.key]: postgresUrl(p) };
        default: {
            const unknown: never = key;
            throw new Error(`no credentials for role ${unknown}`);
        }
    }
}

/** The logins of the roles the program made: their names and generated passwords. */
export function managedLogins(access: DatabaseRoles): Record<RoleKey, RoleLogin> {
    return Object.fromEntries(ROLE_KEYS.map((key) => [key, { user: access.roles[key].name, password: access.passwords[key].result }])) as unknown as Record<
        RoleKey,
        RoleLogin
    >;
}

/** The credentials as the pods need them, one Secret per role; the values are secrets end to end. */
export function credentialSecrets(
    name: string,
    o: {
        namespace: pulumi.Input<string>;
        labels: LabelContext;
        server: DatabaseServer;
        databaseName: pulumi.Input<string>;
        logins: Record<RoleKey, RoleLogin>;
        /** The Secrets are made after these: a pod that reads one should find its grants in place. */
        after: pulumi.Resource[];
    },
    parent: pulumi.Resource,
): k8s.core.v1.Secret[] {
    return ROLE_KEYS.map((key) => {
        const params = pulumi.all([o.databaseName, o.logins[key].user, o.logins[key].password]).apply(([database, user, password]): ConnectionParams => ({
            host: o.server.host,
            port: o.server.port,
            database,
            user,
            password,
            sslmode: o.server.sslmode,
        }));
        return new k8s.core.v1.Secret(
            `${name}-${key}-secret`,
            {
                metadata: { name: SECRET_OF[key].name, namespace: o.namespace, labels: recommendedLabels(o.labels, "ologywood-database", "database") },
                type: "Opaque",
                stringData: pulumi.secret(params.apply((p) => credentialsOf(key, p))),
            },
            { parent, dependsOn: o.after },
        );
    });
}
