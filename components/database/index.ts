/**
 * The stack's PostgreSQL database: the database itself, least-privilege roles with generated
 * passwords, their grants, and the Kubernetes Secrets that hand the credentials to the pods.
 * What each role may do is data (access.ts), tested as SQL on a real server (sql.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LabelContext, recommendedLabels } from "../shared/labels";
import { DATABASE_SECRET, DB_BACKUP_SECRET, DB_MONITORING_SECRET, DB_OWNER_SECRET } from "../shared/names";
import { ROLE_KEYS, RoleKey, databaseNameFor, defaultPrivilegeSpecs, grantSpecs, roleNames, roleSpecs, verifyDatabaseNameFor } from "./access";
import { ConnectionParams, SslMode, libpqEnvironment, postgresUrl } from "./connection";

export * from "./access";
export * from "./connection";

export interface DatabaseArgs {
    /** Namespace of the Secrets the pods read. */
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** The PostgreSQL server and the admin role the provider uses (config `db`). */
    server: {
        host: string;
        port: number;
        adminUser: string;
        /** A secret. */
        adminPassword: pulumi.Input<string>;
        sslmode: SslMode;
    };
    /** @default `ologywood_${pulumi.getStack()}` (prod: ologywood_prod, as in the plan) */
    databaseName?: string;
    /** Connection limit of the app role. */
    appConnectionLimit: number;
    /** pg_dump/pg_restore workers: the backup and owner roles get connections for them. @default 2 */
    parallelJobs?: number;
    /** Protect the database from deletion and keep it when it leaves the program (prod). */
    protect: boolean;
}

/** Secret names, by role. Every Secret holds credentials only; none is an output. */
export const SECRET_OF: Record<RoleKey, { name: string }> = {
    owner: DB_OWNER_SECRET,
    app: DATABASE_SECRET,
    backup: DB_BACKUP_SECRET,
    monitoring: DB_MONITORING_SECRET,
};

export class Database extends pulumi.ComponentResource {
    readonly databaseName: string;
    /** The restore verification's scratch database (owned by the owner role). */
    readonly verifyDatabaseName: string;
    /** Role names (not secret). */
    readonly roleNames: Record<RoleKey, string>;
    /** The grants and default privileges: a pod that connects should start after these. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ologywood:database:Database", name, {}, opts);
        const databaseName = args.databaseName ?? databaseNameFor(pulumi.getStack());
        const names = roleNames(databaseName);
        this.databaseName = databaseName;
        this.verifyDatabaseName = verifyDatabaseNameFor(databaseName);
        this.roleNames = names;

        const provider = new postgresql.Provider(`${name}-provider`, {
            host: args.server.host,
            port: args.server.port,
            username: args.server.adminUser,
            password: pulumi.secret(args.server.adminPassword),
            database: "postgres",
            sslmode: args.server.sslmode,
            // Managed servers do not give out superuser; the admin needs CREATEDB and CREATEROLE.
            superuser: false,
        }, { parent: this });
        const pg = { parent: this, provider };

        const passwords = {} as Record<RoleKey, random.RandomPassword>;
        const roles = {} as Record<RoleKey, postgresql.Role>;
        for (const spec of roleSpecs(databaseName, { appConnectionLimit: args.appConnectionLimit, parallelJobs: args.parallelJobs ?? 2 })) {
            // Letters and digits only: nothing to escape in a URL, a shell or a libpq file.
            passwords[spec.key] = new random.RandomPassword(`${name}-${spec.key}-password`, { length: 40, special: false }, { parent: this });
            roles[spec.key] = new postgresql.Role(`${name}-${spec.key}`, {
                name: spec.name,
                login: spec.login,
                password: passwords[spec.key].result,
                superuser: spec.superuser,
                createRole: spec.createRole,
                createDatabase: spec.createDatabase,
                connectionLimit: spec.connectionLimit,
                roles: spec.memberOf,
            }, pg);
        }

        // Creating a database owned by another role requires membership in it (the provider's docs).
        const adminInOwner = new postgresql.GrantRole(`${name}-admin-in-owner`, {
            role: args.server.adminUser,
            grantRole: roles.owner.name,
        }, pg);

        const database = new postgresql.Database(`${name}-database`, {
            name: databaseName,
            owner: roles.owner.name,
            encoding: "UTF8",
        }, { ...pg, dependsOn: [adminInOwner], protect: args.protect, retainOnDelete: args.protect });

        // The restore verification restores into this one, so the owner role needs no CREATEDB.
        // It holds nothing to keep between verifications: never protected.
        new postgresql.Database(`${name}-verify-database`, {
            name: this.verifyDatabaseName,
            owner: roles.owner.name,
            encoding: "UTF8",
        }, { ...pg, dependsOn: [adminInOwner] });

        const grants = new Map<string, postgresql.Grant>();
        for (const spec of grantSpecs(args.server.adminUser, names)) {
            // Revoking CONNECT from PUBLIC waits until the admin has its own.
            const after = spec.key === "public-connect" ? [grants.get("admin-connect")!] : [];
            grants.set(spec.key, new postgresql.Grant(`${name}-grant-${spec.key}`, {
                database: database.name,
                role: spec.role,
                objectType: spec.objectType,
                schema: spec.schema,
                privileges: spec.privileges,
            }, { ...pg, dependsOn: [...after, ...Object.values(roles)] }));
        }
        const defaults = defaultPrivilegeSpecs(names).map((spec) => new postgresql.DefaultPrivileges(`${name}-default-${spec.key}`, {
            database: database.name,
            owner: spec.owner,
            role: spec.role,
            objectType: spec.objectType,
            schema: spec.schema,
            privileges: spec.privileges,
        }, { ...pg, dependsOn: [adminInOwner, ...Object.values(roles)] }));
        this.ready = [database, ...grants.values(), ...defaults];

        // The credentials, as the pods need them. Values are secrets end to end.
        const params = (key: RoleKey): pulumi.Output<ConnectionParams> =>
            pulumi.all([database.name, roles[key].name, passwords[key].result]).apply(([db, user, password]) => ({
                host: args.server.host, port: args.server.port, database: db, user, password, sslmode: args.server.sslmode,
            }));
        const contents: Record<RoleKey, pulumi.Output<Record<string, string>>> = {
            owner: params("owner").apply(libpqEnvironment),
            app: params("app").apply((p): Record<string, string> => ({ [DATABASE_SECRET.key]: postgresUrl(p) })),
            backup: params("backup").apply(libpqEnvironment),
            monitoring: params("monitoring").apply((p): Record<string, string> => ({ [DB_MONITORING_SECRET.key]: postgresUrl(p) })),
        };
        for (const key of ROLE_KEYS) {
            new k8s.core.v1.Secret(`${name}-${key}-secret`, {
                metadata: { name: SECRET_OF[key].name, namespace: args.namespace, labels: recommendedLabels(args.labels, "ologywood-database", "database") },
                type: "Opaque",
                stringData: pulumi.secret(contents[key]),
            }, { parent: this, dependsOn: this.ready });
        }

        this.registerOutputs({ databaseName, verifyDatabaseName: this.verifyDatabaseName, roleNames: names });
    }
}
