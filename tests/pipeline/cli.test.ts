import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main as loadMain } from "../../cli/loadtest";
import { main as releaseMain } from "../../cli/release";
import { main as rollbackMain } from "../../cli/rollback";
import { main as smokeMain } from "../../cli/smoke";
import { REPO_ROOT } from "../../cli/frame";
import { StandInApp } from "../support/standins/app";
import { StandInMailpit } from "../support/standins/mailpit";
import { PREVIOUS_VERSION, World, WORLD_TOKEN } from "../support/standins/world";

const noLoad = { staging: ["release.loadTest=false"] };

describe("npm run release / rollback, end to end in-process against a local world", function () {
    this.timeout(30_000);
    let world: World;
    let out: string[];
    let tmp: string;
    beforeEach(() => {
        out = [];
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-cli-"));
    });
    afterEach(async () => {
        await world?.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const cli = (w: World, env: NodeJS.ProcessEnv = { TEST_TOKEN: WORLD_TOKEN }) => ({
        repoRoot: REPO_ROOT,
        env,
        out: (l: string) => out.push(l),
        err: (l: string) => out.push(l),
        makeDeps: (log: (l: string) => void, redactor: any) => w.deps({ log, redactor }),
    });

    it("release: exit 0, a JSON report with every step, the token and webhooks nowhere", async () => {
        world = await World.create({ sets: noLoad });
        const report = path.join(tmp, "report.json");
        const code = await releaseMain(["--image-tag", "1.4.2", "--stacks", "staging,prod", "--report", report], cli(world));
        assert.equal(code, 0, out.join("\n"));
        const json = fs.readFileSync(report, "utf8");
        const parsed = JSON.parse(json);
        assert.equal(parsed.outcome, "succeeded");
        assert.equal(parsed.exitCode, 0);
        assert.ok(
            parsed.steps.every((s: any) => s.start && s.end && s.outcome),
            "each step has start, end and outcome",
        );
        for (const secret of [WORLD_TOKEN, "w3bh00k-s3cret"]) {
            assert.ok(!json.includes(secret), `report leaks ${secret}`);
            assert.ok(!out.join("\n").includes(secret), `output leaks ${secret}`);
        }
    });

    it("release: a failed gate exits 1 and still writes the report", async () => {
        world = await World.create({ sets: noLoad, behaviours: { "1.4.2": { healthStatus: 503 } } });
        const report = path.join(tmp, "failed.json");
        const code = await releaseMain(["--image-tag=1.4.2", "--report", report], cli(world));
        assert.equal(code, 1);
        const parsed = JSON.parse(fs.readFileSync(report, "utf8"));
        assert.equal(parsed.outcome, "rolled-back");
        assert.equal(parsed.failure.step, "smoke tests");
        assert.equal(parsed.rollback.outcome, "rolled-back");
    });

    it("release --announce sends the plan's day-before and hour-before messages", async () => {
        world = await World.create({ sets: noLoad });
        assert.equal(
            await releaseMain(
                ["--announce", "day-before", "--image-tag", "1.4.2", "--at", "Tomorrow at 2:00 PM EST", "--note", "Beautiful confirmation modal"],
                cli(world),
            ),
            0,
            out.join("\n"),
        );
        assert.equal(await releaseMain(["--announce", "hour-before", "--image-tag", "1.4.2", "--stacks", "prod"], cli(world)), 0);
        const texts = world.slackTexts();
        assert.match(texts[0], /^🚀 Booking System Deployment - Tomorrow at 2:00 PM EST \(release 1\.4\.2\)\n[\s\S]*✅ Beautiful confirmation modal/);
        assert.match(texts.at(-1)!, /^⏰ Booking System Deployment - Starting in 1 hour/);
        assert.equal(world.driver.calls.filter((c) => c.method === "up").length, 0, "announcing deploys nothing");
    });

    const usage: [string[], RegExp][] = [
        [[], /--image-tag is required/],
        [["--image-tag", "1.4.2", "--stacks", "staging,qa"], /no stack 'qa' \(there is no Pulumi\.qa\.yaml\)/],
        [["--image-tag", "1.4.2", "--bogus"], /unknown option '--bogus'/],
        [["--image-tag", "1.4.2", "--announce", "week-before"], /--announce expects day-before or hour-before/],
        [["--image-tag", "latest"], /--image-tag 'latest': expected a semver \(1\.4\.2, v1\.4\.2-rc\.1\) or a git sha/],
        [["--image-tag", "1.2"], /--image-tag '1\.2': expected a semver/],
        [["--image-tag", "$(id)"], /--image-tag '\$\(id\)': expected a semver/],
        [
            ["--image-tag", "1.4.2", "--stacks", "prod,staging"],
            /the production tier stack prod would be released before a staging tier stack; .*--allow-production-first/,
        ],
        [["--image-tag", "1.4.2", "--stacks", "prod"], /the production tier stack prod would be released without a staging tier stack/],
        [["--image-tag", "1.4.2", "--report", os.tmpdir()], /--report .* is a folder: expected a file name/],
    ];
    for (const [args, message] of usage) {
        it(`release ${args.join(" ") || "(no arguments)"}: usage error, exit 2, nothing touched`, async () => {
            world = await World.create();
            assert.equal(await releaseMain(args, cli(world)), 2);
            assert.match(out.join("\n"), message);
            assert.equal(world.driver.calls.length, 0);
        });
    }

    it("release: a bad tag is reported together with every other argument problem, before Pulumi is asked anything", async () => {
        world = await World.create();
        const code = await releaseMain(["--image-tag", "latest", "--stacks", "staging,qa"], { ...cli(world, {}) });
        assert.equal(code, 2);
        const text = out.join("\n");
        assert.match(text, /3 problems:/);
        assert.match(text, /--image-tag 'latest'/);
        assert.match(text, /no stack 'qa'/);
        assert.match(text, /no smoke test token: set TEST_TOKEN/);
        assert.equal(world.driver.calls.length, 0, "the driver (the Pulumi CLI) was never asked");
    });

    it("release --stacks prod with --allow-production-first is accepted", async () => {
        world = await World.create({ sets: noLoad });
        assert.equal(await releaseMain(["--image-tag", "1.4.2", "--stacks", "prod", "--allow-production-first"], cli(world)), 0, out.join("\n"));
    });

    it("release --announce exits 1 and says why when Slack does not accept the message", async () => {
        world = await World.create({ sets: noLoad });
        world.slack.failures.push({ status: 404, body: "no_service" }, { status: 404, body: "no_service" });
        assert.equal(await releaseMain(["--announce", "hour-before", "--image-tag", "1.4.2"], cli(world)), 1);
        assert.match(out.join("\n"), /hour-before announcement for staging: NOT delivered \(/);
    });

    it("rollback --to latest or 1.2 is refused locally (exit 2), before Pulumi is asked anything", async () => {
        world = await World.create();
        for (const to of ["latest", "1.2", "$(id)"]) {
            assert.equal(await rollbackMain(["staging", "--to", to], cli(world)), 2);
            assert.match(out.join("\n"), /--to '.*': expected an update number \(41 or #41\) or a released version/);
        }
        assert.equal(world.driver.calls.length, 0);
    });

    it("rollback <stack>: back to the previous release by hand, exit 0, healthy, data note printed", async () => {
        world = await World.create({ sets: noLoad });
        assert.equal(await releaseMain(["--image-tag", "1.4.2"], cli(world)), 0);
        const report = path.join(tmp, "rollback.json");
        const code = await rollbackMain(["prod", "--report", report], cli(world));
        assert.equal(code, 0, out.join("\n"));
        assert.equal(world.apps.prod.version, PREVIOUS_VERSION);
        assert.equal(world.apps.staging.version, "1.4.2", "only the named stack");
        assert.match(out.join("\n"), /Data is NOT rolled back.*npm run db:restore/);
        assert.match(
            world.slackTexts("prod").at(-2)!,
            /🔴 prod: manual rollback of update #2 \(release 1\.4\.2.*\(requested by hand\)\. Rolling back to update #1 \(release 1\.4\.1/,
        );
        assert.equal(JSON.parse(fs.readFileSync(report, "utf8")).rollback.outcome, "rolled-back");
        assert.ok(!world.upsOn("prod").some((u) => /maintenance/.test(u.message ?? "")), "no maintenance page while /health is fine");
        // And forward again, to a version by name.
        assert.equal(await rollbackMain(["prod", "--to", "1.4.2"], cli(world)), 0);
        assert.equal(world.apps.prod.version, "1.4.2");
    });

    it("rollback turns the maintenance page on first when /health already fails", async () => {
        world = await World.create({ sets: noLoad });
        assert.equal(await releaseMain(["--image-tag", "1.4.2", "--stacks", "staging"], cli(world)), 0);
        world.apps.staging.setBehaviour("1.4.2", { healthStatus: 503 });
        assert.equal(await rollbackMain(["staging"], cli(world)), 0, out.join("\n"));
        assert.ok(world.upsOn("staging").some((u) => /\[maintenance on\]$/.test(u.message ?? "")));
        assert.equal(world.apps.staging.maintenance, false);
        assert.equal(world.apps.staging.version, PREVIOUS_VERSION);
    });

    it("rollback --to a version never deployed: exit 2 (refused), nothing changed", async () => {
        world = await World.create({ sets: noLoad });
        assert.equal(await rollbackMain(["staging", "--to", "9.9.9"], cli(world)), 2);
        assert.match(out.join("\n"), /no update in the stack's history deployed version 9\.9\.9/);
        assert.equal(world.upsOn("staging").length, 0);
    });
});

describe("npm run smoke / loadtest against a local stand-in", function () {
    this.timeout(30_000);
    let app: StandInApp;
    let mailpit: StandInMailpit;
    let out: string[];
    const TOKEN = "cli-token-0123456789";
    before(async () => {
        mailpit = await StandInMailpit.start();
        app = await StandInApp.start({ token: TOKEN, mailpit });
    });
    after(async () => {
        await app.close();
        await mailpit.close();
    });
    beforeEach(() => {
        out = [];
    });
    const io = (env: NodeJS.ProcessEnv = {}) => ({ env, out: (l: string) => out.push(l), err: (l: string) => out.push(l) });

    it("smoke: exit 0 with the token from TEST_TOKEN, each check printed with its time, token never printed", async () => {
        assert.equal(await smokeMain(["--base-url", app.url, "--mail-url", mailpit.url], io({ TEST_TOKEN: TOKEN })), 0, out.join("\n"));
        assert.equal(out.filter((l) => /^ {2}(PASS|FAIL|SKIP) /.test(l)).length, 5);
        assert.ok(!out.join("\n").includes(TOKEN));
    });

    it("smoke: exit 1 when a check fails, 2 on bad usage", async () => {
        app.setBehaviour("broken", { createStatus: 500 });
        app.deploy("broken");
        try {
            assert.equal(await smokeMain(["--base-url", app.url, "--token", TOKEN], io()), 1);
        } finally {
            app.deploy("ok");
        }
        assert.equal(await smokeMain(["--base-url", "not-a-url"], io()), 2);
        assert.match(out.join("\n"), /--base-url expects an http\(s\) URL/);
    });

    it("loadtest: prints a table, writes the JSON figures, exit 0", async () => {
        const file = path.join(os.tmpdir(), `loadtest-${process.pid}.json`);
        try {
            assert.equal(
                await loadMain(["--base-url", app.url, "--token", TOKEN, "--connections", "5", "--duration", "1", "--report", file], io()),
                0,
                out.join("\n"),
            );
            assert.match(out.join("\n"), /^request +count +succeeded +5xx$/m);
            const figures = JSON.parse(fs.readFileSync(file, "utf8"));
            assert.equal(figures.passed, true);
            assert.equal(typeof figures.p95Seconds, "number");
            assert.ok(!fs.readFileSync(file, "utf8").includes(TOKEN));
        } finally {
            fs.rmSync(file, { force: true });
        }
        assert.equal(await loadMain(["--base-url", app.url, "--connections", "50", "--rate", "10"], io()), 2);
    });

    it("loadtest --report: a file it did not write, or a folder, is refused before any load (exit 2)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loadtest-report-"));
        try {
            const tracked = path.join(dir, "index.ts");
            fs.writeFileSync(tracked, "export {};\n");
            const requestsBefore = app.served.length;
            assert.equal(await loadMain(["--base-url", app.url, "--token", TOKEN, "--duration", "1", "--report", tracked], io()), 2);
            assert.match(out.join("\n"), /index\.ts already exists and is not an earlier ologywood-loadtest report: refusing to overwrite it/);
            assert.equal(fs.readFileSync(tracked, "utf8"), "export {};\n");
            assert.equal(await loadMain(["--base-url", app.url, "--token", TOKEN, "--duration", "1", "--report", dir], io()), 2);
            assert.match(out.join("\n"), /is a folder: expected a file name/);
            assert.equal(app.served.length, requestsBefore, "no request was sent: the path was checked first");
            assert.doesNotMatch(out.join("\n"), /EISDIR|\n\s+at /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    for (const [command, main] of [
        ["smoke", smokeMain],
        ["loadtest", loadMain],
    ] as const) {
        it(`${command}: a URL with credentials or a token with a line break is refused, never echoed (exit 2)`, async () => {
            const requestsBefore = app.served.length;
            assert.equal(await main(["--base-url", "http://user:pa55word-xyz@127.0.0.1:9"], io({ TEST_TOKEN: TOKEN })), 2);
            assert.match(out.join("\n"), /--base-url must not carry credentials/);
            assert.ok(!out.join("\n").includes("pa55word-xyz"), "the password is not printed");
            assert.equal(await main(["--base-url", app.url], io({ TEST_TOKEN: "abc\r\nX-Injected: yes" })), 2);
            assert.match(out.join("\n"), /TEST_TOKEN contains a control or non-ASCII character/);
            assert.ok(!out.join("\n").includes("X-Injected"), "the token is not printed");
            assert.equal(app.served.length, requestsBefore, "nothing was sent");
        });
    }
});

describe("the real commands without the Pulumi CLI", function () {
    this.timeout(60_000);
    for (const [script, args] of [
        ["release", ["--image-tag", "1.4.2"]],
        ["rollback", ["staging"]],
    ] as const) {
        it(`npm run ${script} stops at once, says what to install, exit 2 (refused)`, () => {
            const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", `cli/${script}.ts`, ...args], {
                cwd: REPO_ROOT,
                encoding: "utf8",
                env: { PATH: "/usr/bin:/bin", HOME: os.tmpdir(), TEST_TOKEN: "x" },
            });
            assert.equal(r.status, 2, r.stderr + r.stdout);
            assert.match(
                r.stderr,
                /the Pulumi CLI is required for this command and was not found .*Install it \(https:\/\/www\.pulumi\.com\/docs\/install\/\)/s,
            );
            assert.match(r.stderr, /Nothing was changed/);
        });
    }
});
