import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { EXIT } from "../../cli/frame";
import { CliDeps, main } from "../../cli/maintenance";
import { FakeDriver } from "../support/fake-driver";
import { lines, REPO_ROOT, stackConfigMap } from "../support/stack-config";

/** Runs main() with a FakeDriver holding a deployed staging stack; the driver is only created when main asks. */
async function run(argv: string[], setup: { config?: Record<string, string>; failUp?: Error } = {}) {
    const out = lines();
    const err = lines();
    let created = 0;
    const driver = new FakeDriver({ failUp: () => setup.failUp });
    const base = stackConfigMap("staging");
    for (const [k, v] of Object.entries(setup.config ?? {})) base[k] = { value: v, secret: false };
    driver.seedUpdate("staging", { config: base });
    const deps: CliDeps = { repoRoot: REPO_ROOT, createDriver: () => (created++, driver), out: out.log, err: err.log };
    const code = await main(argv, deps);
    return { code, out: out.text(), err: err.text(), created, driver };
}

describe("npm run maintenance (CLI)", () => {
    const usageCases: { argv: string[]; names: RegExp }[] = [
        { argv: [], names: /missing argument <stack>; expected one of: prod, staging/ },
        { argv: ["staging"], names: /missing argument on\|off; expected 'on' or 'off'/ },
        { argv: ["staging", "enable"], names: /argument on\|off: got 'enable'; expected 'on' or 'off'/ },
        { argv: ["staging", "ON"], names: /argument on\|off: got 'ON'; expected 'on' or 'off'/ },
        { argv: ["qa", "on"], names: /argument <stack>: no stack 'qa' \(there is no Pulumi\.qa\.yaml\); expected one of: prod, staging/ },
        { argv: ["../Pulumi", "on"], names: /argument <stack>: no stack '\.\.\/Pulumi'/ },
        { argv: ["staging", "on", "now"], names: /unexpected argument 'now'/ },
        { argv: ["--force", "staging", "on"], names: /unknown option '--force'/ },
    ];
    for (const { argv, names } of usageCases) {
        it(`usage error for [${argv.join(" ")}]: names the argument and what is expected, exits ${EXIT.refused}, touches nothing`, async () => {
            const r = await run(argv);
            assert.strictEqual(r.code, EXIT.refused);
            assert.match(r.err, names);
            assert.match(r.err, /Usage: npm run maintenance -- <stack> on\|off/);
            assert.strictEqual(r.created, 0, "no driver (no Pulumi) for a usage error");
        });
    }

    it("--help prints the usage with the exit codes and exits 0", async () => {
        const r = await run(["--help"]);
        assert.strictEqual(r.code, EXIT.ok);
        for (const code of [EXIT.ok, EXIT.refused, EXIT.actNow]) assert.match(r.out, new RegExp(`^  ${code}  `, "m"));
    });

    it("switches a deployed stack on and exits 0", async () => {
        const r = await run(["staging", "on"]);
        assert.strictEqual(r.code, EXIT.ok, r.err);
        assert.deepStrictEqual(r.driver.methodsOn("staging"), ["getAllConfig", "getAllConfig", "history", "setConfig", "up"]);
        assert.match(r.out, /maintenance mode is ON/);
    });

    it("an invalid stack config stops it before anything is written, naming the key (exit 2)", async () => {
        const r = await run(["staging", "on"], { config: { "ologywood:imageTag": "latest" } });
        assert.strictEqual(r.code, EXIT.refused);
        assert.match(r.err, /invalid config of stack staging/);
        assert.match(r.err, /ologywood:imageTag: got "latest"/);
        assert.match(r.err, /Nothing was changed/);
        assert.deepStrictEqual(r.driver.methodsOn("staging"), ["getAllConfig"]);
    });

    it("a failed up exits 3 with the retry and revert commands", async () => {
        const r = await run(["staging", "on"], { failUp: new Error("kube API unreachable") });
        assert.strictEqual(r.code, EXIT.actNow);
        assert.match(r.err, /kube API unreachable/);
        assert.match(r.err, /retry: +npm run maintenance -- staging on/);
        assert.match(r.err, /revert: +npm run maintenance -- staging off/);
        assert.match(r.err, /\(after \d+\.\d s\)/);
    });

    it("a failure of the driver before the config write says nothing was changed (exit 2)", async () => {
        const out = lines();
        const err = lines();
        const code = await main(["prod", "off"], {
            repoRoot: REPO_ROOT,
            out: out.log,
            err: err.log,
            createDriver: () => {
                throw new Error("error: no stack named 'prod' found");
            },
        });
        assert.strictEqual(code, EXIT.refused);
        assert.match(err.text(), /no stack named 'prod' found\nNothing was changed/);
    });

    it("without the Pulumi CLI on PATH, the real command stops at once with a clear message and changes nothing", () => {
        const before = snapshot();
        const tsNode = require.resolve("ts-node/dist/bin.js");
        // PATH emptied: node and ts-node are run by absolute path, so only `pulumi` is missing.
        const r = spawnSync(process.execPath, [tsNode, "--transpile-only", "cli/maintenance.ts", "staging", "on"], {
            cwd: REPO_ROOT,
            env: { PATH: "" },
            encoding: "utf8",
            timeout: 60_000,
        });
        assert.strictEqual(r.error, undefined, String(r.error));
        assert.strictEqual(r.status, EXIT.refused, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
        assert.match(r.stderr, /the Pulumi CLI is required for this command and was not found \(`pulumi` is not on PATH\)/);
        assert.match(r.stderr, /Install it \(https:\/\/www\.pulumi\.com\/docs\/install\/\)/);
        assert.match(r.stderr, /Nothing was changed/);
        assert.doesNotMatch(r.stdout + r.stderr, /set ologywood:maintenance|pulumi up/, "it must stop before any step");
        assert.deepStrictEqual(snapshot(), before, "no file of the repo may change");
    });
});

/** Hashes of every file at the top of the repo and of the stack files: what a config write would touch. */
function snapshot(): Record<string, string> {
    const result: Record<string, string> = {};
    for (const name of fs.readdirSync(REPO_ROOT)) {
        const file = path.join(REPO_ROOT, name);
        if (!fs.statSync(file).isFile()) {
            result[name] = "dir";
            continue;
        }
        result[name] = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    }
    assert.ok(result["Pulumi.staging.yaml"], "the snapshot covers the stack files");
    return result;
}
