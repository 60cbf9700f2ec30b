/**
 * When the Pulumi CLI is there but fails (not logged in, stack missing, backend unreachable),
 * every command that uses it says in a few lines what failed, the CLI's own message and what to
 * run next, never the Automation API's raw dump or a stack trace, and changes nothing. The
 * commands that do not need the CLI (render, smoke, loadtest) are unaffected by a broken one.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../cli/frame";

/** What a real CLI prints for each failure (quoted from its error paths). */
const FAILURES = {
    "not logged in": { stderr: "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions", next: /pulumi login <backend URL>/ },
    "stack missing": { stderr: "error: no stack named 'staging' found", next: /pulumi stack ls/ },
    "backend unreachable": {
        stderr: 'error: could not query backend for stack selection: Get "https://api.pulumi.com/api/user": dial tcp: lookup api.pulumi.com: no such host',
        next: /the backend could not be reached/,
    },
} as const;

const BACKUP = "ologywood_staging_scheduled_20260125T020000Z.dump";
const COMMANDS: [name: string, script: string, args: string[]][] = [
    ["release", "release", ["--image-tag", "1.4.2", "--stacks", "staging"]],
    ["rollback", "rollback", ["staging"]],
    ["maintenance", "maintenance", ["staging", "on"]],
    ["db:restore", "db-restore", ["staging", "--backup", BACKUP]],
];

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", `cli/${script}.ts`, ...args], {
            cwd: REPO_ROOT,
            env,
        });
        let output = "";
        child.stdout.on("data", (d) => {
            output += d;
        });
        child.stderr.on("data", (d) => {
            output += d;
        });
        child.on("close", (code) => resolve({ code: code ?? -1, output }));
    });
}

describe("commands against a Pulumi CLI that fails", function () {
    this.timeout(300_000);
    let bin: string;
    let home: string;
    before(() => {
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
        home = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-home-"));
        // A stand-in CLI: answers `version` (so the Automation API accepts it), fails everything else.
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            ["#!/bin/sh", 'if [ "$1" = version ]; then echo v3.276.0; exit 0; fi', "printf '%s\\n' \"$FAKE_PULUMI_STDERR\" >&2", "exit 255", ""].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => {
        fs.rmSync(bin, { recursive: true, force: true });
        fs.rmSync(home, { recursive: true, force: true });
    });
    const env = (stderr: string) => ({
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: home,
        TEST_TOKEN: "test-token-123456",
        FAKE_PULUMI_STDERR: stderr,
        PULUMI_SKIP_UPDATE_CHECK: "true",
    });

    for (const [failure, { stderr, next }] of Object.entries(FAILURES)) {
        for (const [name, script, args] of COMMANDS) {
            it(`${name}, ${failure}: exit 2, the CLI's message and what to run next, no raw dump`, async () => {
                const r = await run(script, args, env(stderr));
                assert.equal(r.code, 2, r.output);
                assert.match(r.output, /pulumi .* of stack staging failed \(exit 255\) \(`pulumi stack select --stack staging`\):/);
                assert.ok(r.output.includes(stderr), `the CLI's own message is shown:\n${r.output}`);
                assert.match(r.output, next);
                assert.doesNotMatch(r.output, /code: -?\d+\n|\bstdout: |\berr\?: /, "no Automation API dump");
                assert.doesNotMatch(r.output, /\n\s+at .*\(/, "no stack trace");
                assert.match(r.output, /Nothing was changed|refused, nothing was changed/);
            });
        }
    }

    it("--verbose shows the details the short message leaves out", async () => {
        const r = await run("maintenance", ["staging", "on", "--verbose"], env(FAILURES["stack missing"].stderr));
        assert.equal(r.code, 2, r.output);
        assert.match(r.output, /details:\ncode: -?\d+\n stdout: .*\n stderr: Command failed with exit code 255: pulumi stack select --stack staging/);
    });

    it("render needs no CLI: a broken one on PATH changes nothing", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-broken-pulumi-"));
        try {
            const r = await run("render", ["staging", "--out", path.join(out, "staging")], env(FAILURES["not logged in"].stderr));
            assert.equal(r.code, 0, r.output);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    for (const script of ["smoke", "loadtest"]) {
        it(`${script} needs no CLI: against a dead URL it fails in its own words (exit 1), no trace`, async () => {
            const r = await run(
                script,
                [
                    "--base-url",
                    "http://127.0.0.1:9",
                    ...(script === "loadtest" ? ["--duration", "1", "--report", path.join(home, "load.json")] : ["--timeout", "1"]),
                ],
                env(FAILURES["not logged in"].stderr),
            );
            assert.equal(r.code, 1, r.output);
            assert.match(r.output, /FAIL/);
            assert.doesNotMatch(r.output, /\n\s+at .*\(/);
        });
    }
});
