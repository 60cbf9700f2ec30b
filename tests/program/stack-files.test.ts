/**
 * The repo's stack files together (every Pulumi.<stack>.yaml): facts no single stack's schema can
 * check, such as two stacks sharing a database server.
 */
import * as assert from "assert";
import { REPO_ROOT, availableStacks } from "../../cli/frame";
import { prepareConfig } from "../../render/render";

/** Groups of stacks that name the same database server (host and port), e.g. ["prod", "staging"]. */
function sharedDatabaseServers(servers: Record<string, { host: string; port: number }>): string[][] {
    const byServer = new Map<string, string[]>();
    for (const [stack, db] of Object.entries(servers)) {
        const server = `${db.host.toLowerCase().replace(/\.$/, "")}:${db.port}`;
        byServer.set(server, [...(byServer.get(server) ?? []), stack]);
    }
    return [...byServer.values()].filter((stacks) => stacks.length > 1);
}

describe("the repo's stack files together", () => {
    const stacks = availableStacks(REPO_ROOT);

    it("has the staging and prod stacks at least", () => {
        assert.ok(stacks.includes("staging") && stacks.includes("prod"), stacks.join(", "));
    });

    it("gives every stack its own database server: staging's load test and restores never reach production's", () => {
        const servers = Object.fromEntries(
            stacks.map((stack) => {
                const { db } = prepareConfig({ stack }).config;
                return [stack, { host: db.host, port: db.port }];
            }),
        );
        assert.deepStrictEqual(sharedDatabaseServers(servers), [], `stacks sharing a database server: ${JSON.stringify(servers)}`);
    });

    it("counts the same host and port as one server, whatever the spelling, and another port as another server", () => {
        assert.deepStrictEqual(
            sharedDatabaseServers({
                prod: { host: "db.example.internal", port: 5432 },
                staging: { host: "DB.example.internal.", port: 5432 },
                qa: { host: "db.example.internal", port: 6432 },
            }),
            [["prod", "staging"]],
        );
    });
});
