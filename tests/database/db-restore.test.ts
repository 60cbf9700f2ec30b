/**
 * `npm run db:restore`: the order of its steps and a failure at each one, with FakeDriver; the
 * CLI's arguments and exit codes; the real CLI without the Pulumi CLI.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { EXIT } from "../../cli/frame";
import { CliDeps, main } from "../../cli/db-restore";
import { RESTORE_OUTPUT, RestoreRefusedError, RestoreStepError, STEPS, Step, restoreDatabase } from "../../pipeline/db-restore";
import { ConfigMap } from "../../pipeline/drivers/driver";
import { FakeDriver } from "../support/fake-driver";
import { REPO_ROOT, lines, stackConfigMap } from "../support/stack-config";

const STACK = "prod";
const BACKUP = "ologywood_prod_pre_deployment_20260125T140000Z.dump";
const REQUEST = "20260125t150000z";
const JOB = `ologywood-db-restore-${REQUEST}`;

interface Snapshot {
    message: string;
    maintenance?: string;
    paused?: string;
    restore?: unknown;
}

function snapshot(config: ConfigMap, message: string): Snapshot {
    const backup = config["ologywood:backup"] ? JSON.parse(config["ologywood:backup"].value) : {};
    return { message, maintenance: config["ologywood:maintenance"]?.value, paused: config["ologywood:paused"]?.value, restore: backup.restore };
}

interface Setup {
    /** Fail the `up` whose message contains this. */
    failUpOn?: string;
    /** What the stack reports as its restore output after the restore's `up`. */
    restoreOutput?: unknown;
    config?: Record<string, string>;
    deployed?: boolean;
}

function world(setup: Setup = {}) {
    const ups: Snapshot[] = [];
    const output = "restoreOutput" in setup ? setup.restoreOutput : { requestId: REQUEST, file: BACKUP, job: JOB, succeeded: 1 };
    const config = stackConfigMap(STACK);
    for (const [k, v] of Object.entries(setup.config ?? {})) config[k] = { value: v, secret: false };
    const driver = new FakeDriver({
        stacks: { [STACK]: config },
        outputs: { [STACK]: output === undefined ? {} : { [RESTORE_OUTPUT]: { value: output, secret: false } } },
        failUp: (_s, _c, o) => (setup.failUpOn && o.message?.includes(setup.failUpOn) ? new Error(`up failed: ${setup.failUpOn}`) : undefined),
        onUp: (_s, config, o) => {
            ups.push(snapshot(config, o.message ?? ""));
        },
    });
    if (setup.deployed !== false) driver.seedUpdate(STACK, { config });
    return { driver, ups };
}

const restore = (driver: FakeDriver, log: string[] = []) =>
    restoreDatabase(driver, { stack: STACK, backup: BACKUP, requestId: REQUEST, log: (l) => log.push(l) });

const request = { file: BACKUP, requestId: REQUEST };

describe("db:restore procedure (pipeline/db-restore.ts) with FakeDriver", () => {
    it("runs the plan's database rollback in order, one pulumi up per step, and leaves the stack as it was", async () => {
        const { driver, ups } = world();
        const log: string[] = [];
        const result = await restore(driver, log);
        assert.deepStrictEqual(ups, [
            { message: "db:restore: maintenance on", maintenance: "true", paused: undefined, restore: undefined },
            { message: "db:restore: workloads to zero", maintenance: "true", paused: "true", restore: undefined },
            { message: `db:restore: restore ${BACKUP} (request ${REQUEST})`, maintenance: "true", paused: "true", restore: request },
            { message: "db:restore: workloads back", maintenance: "true", paused: "false", restore: undefined },
            { message: "db:restore: maintenance off", maintenance: "false", paused: "false", restore: undefined },
        ]);
        // The integrity check reads the restore Job's outcome between the restore and the resume.
        const methods = driver.methodsOn(STACK);
        const upsAt = methods.flatMap((m, i) => (m === "up" ? [i] : []));
        assert.ok(methods.indexOf("outputs") > upsAt[2] && methods.indexOf("outputs") < upsAt[3], methods.join(" "));
        assert.deepStrictEqual(
            result.steps.map((s) => s.step),
            [...STEPS],
        );
        assert.strictEqual(result.job, JOB);
        for (const [i, step] of STEPS.entries())
            assert.ok(
                log.some((l) => l.includes(`step ${i + 1}/6`) && l.includes("done")),
                `logs step ${step}`,
            );
        assert.match(log.join("\n"), /every table has the backup's row count/);
    });

    const failures: [Step, Setup, RegExp][] = [
        ["maintenance-on", { failUpOn: "maintenance on" }, /the workloads are running as before; the database is untouched/],
        ["pause", { failUpOn: "workloads to zero" }, /the database is untouched/],
        ["restore", { failUpOn: "restore " }, /the database may be PARTLY restored/],
        [
            "integrity",
            { restoreOutput: { requestId: REQUEST, file: BACKUP, job: JOB, succeeded: 0 } },
            /did not report success: the restore or its row-count comparison with the backup failed/,
        ],
        ["integrity", { restoreOutput: { requestId: "20250101t000000z", file: BACKUP, job: "x", succeeded: 1 } }, /reports restore request 20250101t000000z/],
        ["integrity", { restoreOutput: undefined }, /has no databaseRestore output/],
        ["resume", { failUpOn: "workloads back" }, /the database is restored from .* and verified/],
        ["maintenance-off", { failUpOn: "maintenance off" }, /the maintenance page is still ON/],
    ];
    for (const [step, setup, state] of failures) {
        it(`a failure at "${step}" stops there, says where and in what state, and runs no later step`, async () => {
            const { driver, ups } = world(setup);
            const error = await restore(driver).then(
                () => undefined,
                (e) => e,
            );
            assert.ok(error instanceof RestoreStepError, `expected RestoreStepError, got ${error}`);
            assert.strictEqual(error.step, step);
            assert.match(error.message, new RegExp(`stopped at step ${STEPS.indexOf(step) + 1} of 6`));
            assert.match(error.message, state);
            assert.match(error.message, /What to do:/);
            const reached = STEPS.indexOf(step);
            // Every step before it ran its one up (the integrity check runs none); the failing one did not finish.
            const expectedUps = STEPS.slice(0, reached).filter((s) => s !== "integrity").length;
            assert.strictEqual(ups.length, expectedUps, `successful ups: ${ups.map((u) => u.message).join(", ")}`);
            const attempted = driver.methodsOn(STACK).filter((m) => m === "up").length;
            assert.strictEqual(attempted, expectedUps + (step === "integrity" ? 0 : 1), "no up after the failing step");
            if (reached < STEPS.indexOf("resume")) {
                assert.ok(!driver.methodsOn(STACK).includes("removeConfig"), "the workloads are not brought back");
            }
        });
    }

    it("after a failed restore, running it again finishes the job", async () => {
        const { driver } = world({ failUpOn: "restore " });
        await assert.rejects(restore(driver), RestoreStepError);
        const again = new FakeDriver({ outputs: { [STACK]: { [RESTORE_OUTPUT]: { value: { ...request, job: JOB, succeeded: 1 }, secret: false } } } });
        again.seedUpdate(STACK, { config: await driver.getAllConfig(STACK), result: "failed" });
        const result = await restore(again);
        assert.strictEqual(result.steps.length, 6);
        const final = snapshot(await again.getAllConfig(STACK), "");
        assert.deepStrictEqual([final.maintenance, final.paused, final.restore], ["false", "false", undefined]);
    });

    const refusals: [string, Setup, Partial<{ backup: string; requestId: string }>, RegExp][] = [
        ["a name that is not a backup", {}, { backup: "../etc/passwd" }, /is not a backup name: expected <database>_<label>_<UTC timestamp>\.dump/],
        [
            "another stack's backup",
            {},
            { backup: "ologywood_staging_scheduled_20260125T020000Z.dump" },
            /not a backup of ologywood_prod, the database of stack prod/,
        ],
        ["a stack never deployed", { deployed: false }, {}, /no update in its history/],
        ["an invalid stack config", { config: { "ologywood:imageTag": "latest" } }, {}, /ologywood:imageTag: .*'latest' and empty tags are not deployable/],
        ["a bad request id", {}, { requestId: "Not_Valid" }, /request id 'Not_Valid' must be lowercase/],
    ];
    for (const [what, setup, override, message] of refusals) {
        it(`refuses ${what} before changing anything`, async () => {
            const { driver } = world(setup);
            await assert.rejects(
                restoreDatabase(driver, { stack: STACK, backup: BACKUP, requestId: REQUEST, log: () => undefined, ...override }),
                (e: Error) => e instanceof RestoreRefusedError && message.test(e.message) && /Nothing was changed/.test(e.message),
            );
            assert.deepStrictEqual(
                driver.methodsOn(STACK).filter((m) => m === "setConfig" || m === "up" || m === "removeConfig"),
                [],
            );
        });
    }

    it("refuses when the stack file does not hold what the stack last ran (every step would deploy it), before changing anything", async () => {
        const { driver } = world();
        await driver.setConfig(STACK, "ologywood:imageTag", { value: "9.9.9" });
        driver.calls.length = 0;
        await assert.rejects(
            restore(driver),
            (e: Error) =>
                e instanceof RestoreRefusedError &&
                /ologywood:imageTag: "9\.9\.9" in Pulumi\.prod\.yaml, .* deployed/.test(e.message) &&
                /pulumi config refresh --stack prod --force/.test(e.message),
        );
        assert.deepStrictEqual(
            driver.methodsOn(STACK).filter((m) => m === "setConfig" || m === "up" || m === "removeConfig"),
            [],
        );
    });

    it("refuses while another update is in progress", async () => {
        const { driver } = world();
        driver.seedUpdate(STACK, { config: stackConfigMap(STACK), result: "in-progress" });
        await assert.rejects(restore(driver), /another update of prod is in progress/);
    });
});

describe("npm run db:restore (CLI)", () => {
    async function run(argv: string[], setup: Setup = {}) {
        const out = lines();
        const err = lines();
        let created = 0;
        const { driver } = world(setup);
        const deps: CliDeps = {
            repoRoot: REPO_ROOT,
            createDriver: () => (created++, driver),
            out: out.log,
            err: err.log,
            now: () => new Date("2026-01-25T15:00:00.123Z"),
        };
        return { code: await main(argv, deps), out: out.text(), err: err.text(), created };
    }

    const usageCases: [string[], RegExp][] = [
        [[], /missing argument <stack>; expected one of: prod, staging/],
        [["prod"], /missing option --backup <file>/],
        [["prod", "--backup"], /--backup needs a value/],
        [
            ["prod", "--backup", "ologywood_staging_scheduled_20260125T020000Z.dump"],
            /is not a backup of ologywood_prod, the database of stack prod: restoring another stack's data is refused/,
        ],
        [["prod", "--backup", "../etc/passwd"], /is not a backup name/],
        [["qa", "--backup", BACKUP], /no stack 'qa' \(there is no Pulumi\.qa\.yaml\)/],
        [["prod", "--backup", BACKUP, "now"], /unexpected argument 'now'/],
        [["prod", "--force", "--backup", BACKUP], /unknown option '--force'/],
    ];
    for (const [argv, message] of usageCases) {
        it(`usage error for [${argv.join(" ")}]: exit ${EXIT.refused}, no Pulumi needed`, async () => {
            const r = await run(argv);
            assert.strictEqual(r.code, EXIT.refused);
            assert.match(r.err, message);
            assert.match(r.err, /Usage: npm run db:restore -- <stack> --backup <file>/);
            assert.strictEqual(r.created, 0);
        });
    }

    it("--help lists the steps and exit codes", async () => {
        const r = await run(["--help"]);
        assert.strictEqual(r.code, EXIT.ok);
        assert.match(r.out, /maintenance-on, pause, restore, integrity, resume, maintenance-off/);
        for (const code of [EXIT.ok, EXIT.refused, EXIT.actNow]) assert.match(r.out, new RegExp(`^  ${code}  `, "m"));
    });

    it("exit 0 when restored (--backup=<file> works too), 2 when refused, 3 when a step failed", async () => {
        const ok = await run(["prod", `--backup=${BACKUP}`]);
        assert.strictEqual(ok.code, EXIT.ok, ok.err);
        assert.match(ok.out, new RegExp(`restored prod from ${BACKUP} \\(Job ${JOB}\\)`));
        const refused = await run(["prod", "--backup", BACKUP], { config: { "ologywood:imageTag": "latest" } });
        assert.strictEqual(refused.code, EXIT.refused, refused.err);
        assert.match(refused.err, /Nothing was changed/);
        const failed = await run(["prod", "--backup", BACKUP], { failUpOn: "workloads to zero" });
        assert.strictEqual(failed.code, EXIT.actNow);
        assert.match(failed.err, /stopped at step 2 of 6 \(workloads scaled to zero\)/);
    });

    it("the real command fails fast without the Pulumi CLI, changing nothing", () => {
        const result = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "cli/db-restore.ts"), "prod", "--backup", BACKUP],
            { cwd: REPO_ROOT, encoding: "utf8", env: { PATH: "", HOME: process.env.HOME, TS_NODE_TRANSPILE_ONLY: "true" }, timeout: 60_000 },
        );
        assert.strictEqual(result.status, EXIT.refused, result.stderr);
        assert.match(result.stderr, /the Pulumi CLI is required for this command and was not found \(`pulumi` is not on PATH\)/);
        assert.match(result.stderr, /Nothing was changed/);
    });
});
