/**
 * The stack's PostgreSQL database: the database itself and the restore verification's scratch
 * database, least-privilege roles with generated passwords, their grants, and the Kubernetes
 * Secrets that hand the credentials to the pods. What each role may do is data (access.ts),
 * tested as SQL on a real server (sql.ts); the resources are made by resources.ts.
 *
 * With a DBA-managed server (`db.mode: external`) the database, roles and grants exist already,
 * made by the DBA with the same names and the SQL of sql.ts; the component then only hands the
 * given passwords to the pods, and needs no PostgreSQL provider.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext } from "../shared/labels";
import { RoleKey, databaseNameFor, roleNames, roleSpecs, verifyDatabaseNameFor } from "./access";
import {
    DatabaseAdmin,
    DatabaseServer,
    RoleLogin,
    credentialSecrets,
    databaseGrants,
    databaseRoles,
    managedLogins,
    providerArgs,
    stackDatabases,
} from "./resources";
import { COMPONENT_TYPES } from "../shared/types";

export * from "./access";
export * from "./connection";
export * from "./resources";

export const DATABASE_TYPE = COMPONENT_TYPES.database;

export interface DatabaseArgs {
    /** Namespace of the Secrets the pods read. */
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** The PostgreSQL server (config `db`). */
    server: DatabaseServer;
    /**
     * Who makes the database and roles: the program through this admin role (`managed`), or a
     * DBA, whose roles' passwords are given (`external`).
     */
    management: { mode: "managed"; admin: DatabaseAdmin } | { mode: "external"; passwords: Record<RoleKey, pulumi.Input<string>> };
    /** @default `ologywood_${pulumi.getStack()}` (prod: ologywood_prod, as in the plan) */
    databaseName?: string;
    /** Connection limit of the app role. */
    appConnectionLimit: number;
    /** pg_dump/pg_restore workers (config `backup.parallelJobs`): the backup and owner roles get connections for them. */
    parallelJobs: number;
    /** Protect the database from deletion and keep it when it leaves the program (prod). */
    protect: boolean;
}

/**
 * The stack's PostgreSQL database: wires the children of resources.ts together (provider, roles,
 * the database and the verification's scratch database, grants, credential Secrets).
 */
export class Database extends pulumi.ComponentResource {
    readonly databaseName: string;
    /** The restore verification's scratch database (owned by the owner role). */
    readonly verifyDatabaseName: string;
    /** Role names (not secret). */
    readonly roleNames: Record<RoleKey, string>;
    /** The database, grants and default privileges: a pod that connects should start after these. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(DATABASE_TYPE, name, {}, opts);
        this.databaseName = args.databaseName ?? databaseNameFor(pulumi.getStack());
        this.verifyDatabaseName = verifyDatabaseNameFor(this.databaseName);
        this.roleNames = roleNames(this.databaseName);

        if (args.management.mode === "external") {
            const passwords = args.management.passwords;
            const logins = Object.fromEntries(
                Object.entries(this.roleNames).map(([key, user]) => [key, { user, password: passwords[key as RoleKey] }]),
            ) as Record<RoleKey, RoleLogin>;
            this.ready = [];
            credentialSecrets(
                name,
                { namespace: args.namespace, labels: args.labels, server: args.server, databaseName: this.databaseName, logins, after: [] },
                this,
            );
        } else {
            const admin = args.management.admin;
            const provider = new postgresql.Provider(`${name}-provider`, providerArgs(args.server, admin), { parent: this });
            const pg = { parent: this, provider };
            const access = databaseRoles(name, roleSpecs(this.databaseName, args), pg);
            const databases = stackDatabases(
                name,
                {
                    databaseName: this.databaseName,
                    verifyDatabaseName: this.verifyDatabaseName,
                    adminUser: admin.user,
                    owner: access.roles.owner,
                    protect: args.protect,
                },
                pg,
            );
            const grants = databaseGrants(name, { databases, adminUser: admin.user, names: this.roleNames, roles: access.roles }, pg);
            this.ready = [databases.database, ...grants];
            credentialSecrets(
                name,
                {
                    namespace: args.namespace,
                    labels: args.labels,
                    server: args.server,
                    databaseName: databases.database.name,
                    logins: managedLogins(access),
                    after: this.ready,
                },
                this,
            );
        }

        this.registerOutputs({ databaseName: this.databaseName, verifyDatabaseName: this.verifyDatabaseName, roleNames: this.roleNames });
    }
}
