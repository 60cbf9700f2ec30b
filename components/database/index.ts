/**
 * The stack's PostgreSQL database: the database itself and the restore verification's scratch
 * database, least-privilege roles with generated passwords, their grants, and the Kubernetes
 * Secrets that hand the credentials to the pods. What each role may do is data (access.ts),
 * tested as SQL on a real server (sql.ts); the resources are made by resources.ts.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext } from "../shared/labels";
import { RoleKey, databaseNameFor, roleNames, roleSpecs, verifyDatabaseNameFor } from "./access";
import { DatabaseServer, credentialSecrets, databaseGrants, databaseRoles, providerArgs, stackDatabases } from "./resources";

export * from "./access";
export * from "./connection";
export * from "./resources";

export const DATABASE_TYPE = "ologywood:database:Database";

export interface DatabaseArgs {
    /** Namespace of the Secrets the pods read. */
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** The PostgreSQL server and the admin role the provider uses (config `db`). */
    server: DatabaseServer;
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

        const provider = new postgresql.Provider(`${name}-provider`, providerArgs(args.server), { parent: this });
        const pg = { parent: this, provider };
        const access = databaseRoles(name, roleSpecs(this.databaseName, args), pg);
        const databases = stackDatabases(name, {
            databaseName: this.databaseName, verifyDatabaseName: this.verifyDatabaseName,
            adminUser: args.server.adminUser, owner: access.roles.owner, protect: args.protect,
        }, pg);
        const grants = databaseGrants(name, { databases, adminUser: args.server.adminUser, names: this.roleNames, roles: access.roles }, pg);
        this.ready = [databases.database, ...grants];
        credentialSecrets(name, {
            namespace: args.namespace, labels: args.labels, server: args.server, database: databases.database, access, after: this.ready,
        }, this);

        this.registerOutputs({ databaseName: this.databaseName, verifyDatabaseName: this.verifyDatabaseName, roleNames: this.roleNames });
    }
}
