/**
 * The rehearsal's PostgreSQL server and its DBA. No PostgreSQL (or random) provider can be built
 * here (docs/rehearsal.md), so the stacks run with `db.mode: external`: the rehearsal, acting as
 * the DBA, creates each stack's roles (with generated passwords), databases and grants on a real
 * server with the program's own SQL (components/database/access.ts + sql.ts, applied as
 * tests/database/stack-db.ts does for the tests), outside the engine, and hands the passwords to
 * the stacks as `db.credentials.*` secrets. Kwok runs no containers, so no pod ever connects to
 * it; the checks log in with the credentials the program put in the Kubernetes Secrets instead.
 */
import { randomBytes } from "crypto";
import { ROLE_KEYS, RoleKey, databaseNameFor } from "../components/database/access";
import { provisionStackDatabase, StackDatabase } from "../tests/database/stack-db";
import { PgServer, startPostgres } from "../tests/support/postgres";

export interface Dba {
    server: PgServer;
    databases: Map<string, StackDatabase>;
}

/** A password as a DBA's generator makes it: random, URL- and SQL-safe. */
export function generatedPassword(): string {
    return randomBytes(18).toString("base64url");
}

export async function startDatabase(parentDir: string, stacks: string[], appConnectionLimit: (stack: string) => number): Promise<Dba> {
    const server = await startPostgres({ parentDir });
    const databases = new Map<string, StackDatabase>();
    try {
        for (const stack of stacks) {
            const passwords = Object.fromEntries(ROLE_KEYS.map((k) => [k, generatedPassword()])) as Record<RoleKey, string>;
            databases.set(stack, provisionStackDatabase(server, databaseNameFor(stack), { passwords, appConnectionLimit: appConnectionLimit(stack) }));
        }
    } catch (e) {
        server.stop();
        throw e;
    }
    return { server, databases };
}
