import { strict as assert } from "assert";
import { runRelease } from "../../pipeline/release";
import { World, WORLD_TOKEN } from "../support/standins/world";
import { NEW_VERSION, release, stepTrail } from "./release-support";

describe("release end to end: staging then prod through a local world", function () {
    this.timeout(30_000);
    let world: World;
    afterEach(() => world?.close());

    it("releases both stacks through every gate, in the plan's order, and exits 0", async () => {
        world = await World.create();
        const report = await release(world);
        assert.equal(report.outcome, "succeeded", world.output);
        assert.equal(report.exitCode, 0);
        assert.deepEqual(report.released, ["staging", "prod"]);
        assert.deepEqual(stepTrail(report), [
            "staging:validate config:passed",
            "prod:validate config:passed",
            "staging:preview:passed",
            "staging:deploy:passed",
            "staging:smoke tests:passed",
            "staging:load test:passed",
            "staging:bake:passed",
            "prod:preview:passed",
            "prod:deploy:passed",
            "prod:smoke tests:passed",
            "prod:bake:passed",
        ]);
        assert.equal(world.apps.staging.version, NEW_VERSION);
        assert.equal(world.apps.prod.version, NEW_VERSION);
        // Every update records the program's commit, in its message and its environment.
        const history = await world.driver.history("prod");
        assert.equal(history[0].message, `release ${NEW_VERSION} (commit ${world.commits.head})`);
        assert.equal(history[0].environment.OLOGYWOOD_GIT_COMMIT, world.commits.head);
        // The plan's messages: each stage, then success.
        const expected = [
            /^staging: deployment of 1\.4\.2 started$/,
            /^staging: deployment of 1\.4\.2 complete/,
            /^staging: smoke tests passed ✅/,
            /^staging: load test passed ✅ \(p95/,
            /^staging: bake passed ✅ \(healthy for 5m00s\)/,
            /^staging: release 1\.4\.2 done ✅/,
            /Successfully Deployed!/,
        ];
        const staging = world.slackTexts("staging");
        assert.equal(staging.length, expected.length, staging.join("\n---\n"));
        expected.forEach((re, i) => assert.match(staging[i], re));
        assert.ok(
            world.slackTexts("prod").every((t) => !/load test/.test(t.split("\n")[0])),
            "no load test on prod",
        );
        assert.match(world.slackTexts().at(-1)!, /Booking System 1\.4\.2 Successfully Deployed!/);
        // What did not run is said, in the report, the summary line and the message.
        assert.deepEqual(report.skipped, [{ stack: "prod", gate: "load test", reason: "not run on this stack (release.loadTest is false)" }]);
        assert.match(world.slackTexts().at(-1)!, /Not verified by this release:\n- prod load test: not run on this stack \(release\.loadTest is false\)/);
        assert.match(world.output, /release 1\.4\.2 done on staging and prod in .*; not verified: prod load test/);
        // Prod has no mail catcher: its email check read the email queue instead of being skipped.
        assert.match(world.output, /PASS {2}booking_request email leaves the email queue/);
        // Staging's smoke test found the email through Mailpit.
        assert.ok(world.accessed.some((u) => u.startsWith("http://ologywood-mailpit.ologywood-staging:8025")));
        assert.ok(!world.output.includes(WORLD_TOKEN));
    });
});

describe("release: a gate that cannot run is no pass", function () {
    this.timeout(30_000);
    let world: World;
    afterEach(() => world?.close());

    it("staging runs Mailpit: not reaching it fails the smoke gate and rolls staging back (it used to be a passing SKIP)", async () => {
        world = await World.create({ sets: { staging: ["release.loadTest=false"] } });
        const deps = world.deps();
        const report = await runRelease(
            {
                ...deps,
                clusterAccess: async (url) => {
                    if (url.includes("mailpit")) throw new Error("kubectl port-forward to svc/ologywood-mailpit failed: pods/portforward is forbidden");
                    return deps.clusterAccess(url);
                },
            },
            { imageTag: NEW_VERSION, stacks: ["staging", "prod"], token: WORLD_TOKEN, smoke: { requestTimeoutMs: 2000, retryDelayMs: 1000 } },
        );
        assert.equal(report.outcome, "rolled-back", world.output);
        assert.equal(report.failure?.step, "smoke tests");
        assert.match(
            report.failure!.reason,
            /booking_request email reaches the mail catcher: the mail catcher could not be reached: kubectl port-forward .* forbidden/,
        );
        assert.deepEqual(report.untouched, ["prod"]);
    });
});

describe("release: refusals, failed rollbacks and how a rollback runs", function () {
    this.timeout(30_000);
    let world: World;
    afterEach(() => world?.close());
    const noLoad = { staging: ["release.loadTest=false"] };

    /** Nothing was written or run on any stack. */
    function assertNothingChanged(w: World) {
        for (const stack of w.stacks) {
            const methods = new Set(w.driver.methodsOn(stack));
            for (const m of ["setConfig", "setAllConfig", "preview", "up"]) assert.ok(!methods.has(m as any), `${stack}: ${m} was called`);
        }
    }

    const refusals: { name: string; world?: Parameters<typeof World.create>[0]; options?: Parameters<typeof release>[1]; dirty?: boolean; message: RegExp }[] =
        [
            {
                name: "an invalid prod config (1 API replica on the production tier)",
                world: { sets: { prod: ["api.replicas=1"] } },
                message: /ologywood:api\.replicas: .*expected >= 3 on a production tier stack/,
            },
            {
                name: "an image tag that is not deployable",
                options: { imageTag: "latest" },
                message: /ologywood:imageTag: .*'latest' and empty tags are not deployable/,
            },
            { name: "no smoke test token", options: { token: undefined }, message: /no smoke test token: set TEST_TOKEN/ },
            {
                name: "a load test faster than the ingress rate limit",
                world: { sets: { staging: ["ingress.rateLimitRps=20"] } },
                message: /ologywood:release\.loadTestRps: got 50 \(the default\); expected <= ingress\.rateLimitRps \(20\)/,
            },
            { name: "uncommitted program changes", dirty: true, message: /uncommitted changes \(index\.ts\): commit them first/ },
        ];
    for (const r of refusals) {
        it(`refuses ${r.name} before touching any stack (exit 2)`, async () => {
            world = await World.create(r.world);
            if (r.dirty) require("fs").writeFileSync(`${world.git.root}/index.ts`, "// edited\n");
            const report = await release(world, r.options);
            assert.equal(report.outcome, "refused", world.output);
            assert.equal(report.exitCode, 2);
            assert.match(report.failure!.reason, r.message);
            assertNothingChanged(world);
            assert.equal(world.slack.received.length, 0, "no message: nothing happened");
        });
    }

    it("with --allow-dirty releases and records the commit as +dirty (an update no rollback returns to)", async () => {
        world = await World.create({ sets: noLoad });
        require("fs").writeFileSync(`${world.git.root}/index.ts`, "// edited\n");
        const report = await release(world, { allowDirty: true, stacks: ["staging"] });
        assert.equal(report.outcome, "succeeded", world.output);
        const [newest] = await world.driver.history("staging");
        assert.match(newest.message, /^release 1\.4\.2 \(commit [0-9a-f]{40}\+dirty\)$/);
    });

    it("rolls back a severe failure from a worktree of the previous commit: maintenance page on with the rollback, off after, then health", async () => {
        world = await World.create({ sets: noLoad, behaviours: { [NEW_VERSION]: { createStatus: 500 } } });
        const report = await release(world);
        assert.equal(report.outcome, "rolled-back");
        const ups = world.upsOn("staging");
        assert.deepEqual(
            ups.map((u) => u.message?.replace(/[0-9a-f]{40}/g, "<sha>")),
            [
                "release 1.4.2 (commit <sha>)",
                "rollback to update #1 (release 1.4.1) (commit <sha>) [maintenance on]",
                "rollback to update #1 (release 1.4.1) (commit <sha>) [maintenance off]",
            ],
        );
        assert.equal(ups[0].workDir, undefined, "the release ran from the repository");
        assert.ok(ups[1].workDir && ups[1].workDir === ups[2].workDir, "both rollback updates from the same worktree");
        assert.ok(!require("fs").existsSync(ups[1].workDir), "the worktree is removed afterwards");
        const history = await world.driver.history("staging");
        assert.equal(history[0].environment.OLOGYWOOD_GIT_COMMIT, world.commits.previous, "the rollback records the program it ran");
        assert.equal(history[1].config["ologywood:maintenance"].value, "true", "the rollback update itself put the page up");
        assert.equal(history[1].config["ologywood:imageTag"].value, "1.4.1");
        // No pre-deploy backup for the rollback: 1.4.1 was backed up when it was first released.
        assert.equal(JSON.parse(history[1].config["ologywood:backup"].value).skipPreDeployFor, "1.4.1");
        assert.equal(JSON.parse(history[2].config["ologywood:backup"]?.value ?? "{}").skipPreDeployFor, undefined, "the forward release had its backup");
        assert.match(
            world.output,
            /rollback: pulumi up with the program and config of update #1 \(release 1\.4\.1, commit [0-9a-f]+\).*, no pre-deploy backup/,
        );
        const short = world.commits.previous.slice(0, 12);
        assert.deepEqual(
            report.steps.filter((s) => s.stack === "staging" && /rollback|maintenance/.test(s.step)).map((s) => s.step),
            [
                "rollback: choose the target",
                `rollback: check out commit ${short} into a worktree`,
                `rollback: pulumi up with the program and config of update #1 (release 1.4.1, commit ${short}), maintenance page on first, no pre-deploy backup`,
                "maintenance page OFF",
                "rollback: health check",
            ],
        );
    });

    it("installs the previous program's own dependencies when its lockfile differs", async () => {
        world = await World.create({ sets: noLoad, lockfileChanged: true, behaviours: { [NEW_VERSION]: { healthStatus: 500 } } });
        const report = await release(world, { stacks: ["staging"] });
        assert.equal(report.outcome, "rolled-back", world.output);
        assert.equal(world.npmRuns.length, 1);
        assert.match(world.npmRuns[0], /^npm ci --no-audit --no-fund in .*ologywood-rollback-/);
    });

    it("exits 3 and says so on Slack when the rollback itself fails", async () => {
        world = await World.create({
            sets: noLoad,
            behaviours: { [NEW_VERSION]: { createStatus: 500 } },
            rollbackUpFails: "kubernetes: the server is currently unable to handle the request",
        });
        const report = await release(world);
        assert.equal(report.outcome, "rollback-failed");
        assert.equal(report.exitCode, 3);
        assert.equal(report.rollback?.outcome, "failed");
        assert.match(
            world.slackTexts("staging").at(-1)!,
            /❌ staging: ROLLBACK FAILED: pulumi up of update #1 .* failed: kubernetes: .*; the maintenance page may be on\. Manual action needed: `npm run rollback -- staging`/,
        );
        assert.deepEqual([...new Set(world.driver.methodsOn("prod"))], ["getAllConfig"]);
    });

    it("exits 3 when there is no earlier successful update to return to (a first release)", async () => {
        world = await World.create({ sets: noLoad, seedHistory: false, behaviours: { [NEW_VERSION]: { healthStatus: 503 } } });
        const report = await release(world);
        assert.equal(report.outcome, "rollback-failed");
        assert.equal(report.rollback?.outcome, "refused");
        assert.match(world.slackTexts("staging").at(-1)!, /no rollback target: no earlier successful update/);
    });

    it("prints the messages when the stacks have no Slack webhook", async () => {
        world = await World.create({ sets: noLoad, webhooks: false });
        const report = await release(world, { stacks: ["staging"] });
        assert.equal(report.outcome, "succeeded");
        assert.equal(world.slack.received.length, 0);
        assert.match(world.output, /no webhook configured, printed instead/);
        assert.ok(report.notifications.every((n) => n.via === "printed"));
    });

    it("records each step's start, end, outcome and figures for the report", async () => {
        world = await World.create();
        const report = await release(world, { stacks: ["staging"] });
        const load = report.steps.find((s) => s.step === "load test")!;
        assert.equal(load.outcome, "passed");
        assert.ok(Date.parse(load.end) >= Date.parse(load.start));
        assert.equal(typeof (load.figures as any).p95Seconds, "number");
        const bake = report.steps.find((s) => s.step.startsWith("bake"))!;
        assert.equal(bake.seconds, 300);
        assert.equal((bake.figures as any).samples.length, 11, "every 30 s (release.bakeIntervalSeconds) over 5 minutes");
        assert.equal(report.seconds, 300);
    });
});

describe("release: an unexpected error", function () {
    this.timeout(30_000);
    let world: World;
    afterEach(() => world?.close());

    it("stops with exit 3, says the stack's state is unknown, and never goes on to the next stack", async () => {
        world = await World.create({ sets: { staging: ["release.loadTest=false"] } });
        const deps = world.deps();
        const d = deps.driver;
        const failing = {
            preview: d.preview.bind(d),
            up: d.up.bind(d),
            getAllConfig: d.getAllConfig.bind(d),
            setConfig: d.setConfig.bind(d),
            setAllConfig: d.setAllConfig.bind(d),
            removeConfig: d.removeConfig.bind(d),
            outputs: d.outputs.bind(d),
            history: async () => {
                throw new Error("pulumi stack history: exit status 255");
            },
        };
        const report = await runRelease({ ...deps, driver: failing }, { imageTag: NEW_VERSION, stacks: ["staging", "prod"], token: WORLD_TOKEN });
        assert.equal(report.outcome, "error");
        assert.equal(report.exitCode, 3);
        assert.match(report.failure!.reason, /pulumi stack history: exit status 255: the state of staging is unknown/);
        assert.deepEqual([...new Set(world.driver.methodsOn("prod"))], ["getAllConfig"]);
        assert.match(world.slackTexts("staging").at(-1)!, /stopped by an unexpected error/);
    });
});
