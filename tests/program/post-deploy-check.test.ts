import * as assert from "assert";
import { execFile, spawnSync } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { POST_DEPLOY_SCRIPT } from "../../components/postdeploy";

/** A stand-in for the public URL: answers from a queue of statuses, then the last one forever. */
async function standIn(statuses: number[], headers: Record<string, string> = {}) {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        seen.push(req.url ?? "");
        const status = statuses.length > 1 ? statuses.shift()! : statuses[0];
        res.writeHead(status, headers).end("x");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function runCheck(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            "bash",
            [POST_DEPLOY_SCRIPT],
            { env: { PATH: process.env.PATH!, INTERVAL_SECONDS: "0", TIMEOUT_SECONDS: "2", ...env } },
            (error, stdout, stderr) => resolve({ code: error ? (error as any).code : 0, stdout, stderr }),
        );
    });
}

describe("post-deploy check (scripts/post-deploy-check.sh, run by the PostDeployCheck command)", () => {
    it("is clean under shellcheck", () => {
        const result = spawnSync("shellcheck", [POST_DEPLOY_SCRIPT], { encoding: "utf8" });
        assert.ok(!result.error, "shellcheck is missing: apt-get install shellcheck");
        assert.strictEqual(result.status, 0, result.stdout);
    });

    it("passes as soon as the URL answers 200, retrying while it does not", async () => {
        const app = await standIn([503, 502, 200]);
        try {
            const result = await runCheck({ CHECK_URL: `${app.url}/health`, ATTEMPTS: "5" });
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(result.stdout, /passed: .* answered 200 \(attempt 3 of 5\)/);
            assert.deepStrictEqual(app.seen, ["/health", "/health", "/health"]);
        } finally {
            await app.close();
        }
    });

    it("fails the update after its bounded attempts when the new version never answers", async () => {
        const app = await standIn([500]);
        try {
            const result = await runCheck({ CHECK_URL: `${app.url}/health`, ATTEMPTS: "3" });
            assert.strictEqual(result.code, 1);
            assert.match(result.stderr, /FAILED: .* did not answer 200 after 3 attempts/);
            assert.strictEqual(app.seen.length, 3);
        } finally {
            await app.close();
        }
    });

    it("fails when nothing listens, within its per-request timeout", async () => {
        const app = await standIn([200]);
        await app.close();
        const result = await runCheck({ CHECK_URL: `${app.url}/health`, ATTEMPTS: "2" });
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /answered 000|answered nothing/);
    });

    it("checks for the maintenance page's 503 and Retry-After when maintenance is on", async () => {
        const withHeader = await standIn([503], { "Retry-After": "300" });
        const without = await standIn([503]);
        try {
            const env = { EXPECT_STATUS: "503", EXPECT_HEADER: "Retry-After", ATTEMPTS: "2" };
            assert.strictEqual((await runCheck({ ...env, CHECK_URL: withHeader.url })).code, 0);
            const missing = await runCheck({ ...env, CHECK_URL: without.url });
            assert.strictEqual(missing.code, 1);
            assert.match(missing.stderr, /without a Retry-After header/);
        } finally {
            await withHeader.close();
            await without.close();
        }
    });

    it("refuses to run without a URL", async () => {
        const result = await runCheck({});
        assert.notStrictEqual(result.code, 0);
        assert.match(result.stderr, /CHECK_URL is required/);
    });
});
