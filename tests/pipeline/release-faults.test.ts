import { strict as assert } from "assert";
import { ReleaseOptions } from "../../pipeline/release";
import { PREVIOUS_VERSION, World, WorldOptions, WORLD_TOKEN } from "../support/standins/world";
import { NEW_VERSION, release, stepTrail } from "./release-support";

/**
 * Fault cases of a release, each at its step, each ending in the expected state: stopped (nothing
 * changed) or rolled back to the previous release, maintenance page used only for the plan's
 * rollback criteria, later stacks untouched, and the right Slack messages on the right channel.
 */
interface FaultCase {
    name: string;
    world: WorldOptions;
    options?: Partial<ReleaseOptions>;
    /** Keep the staging load test on (off by default to keep the cases fast). */
    loadTest?: boolean;
    stack: "staging" | "prod";
    step: string;
    outcome: "stopped" | "rolled-back";
    /** The rollback turned the maintenance page on first (a severe failure). */
    maintenance?: boolean;
    /** Messages on the failing stack's channel, in this order (others may be between). */
    slack: RegExp[];
}

const bad = (behaviour: WorldOptions["behaviours"]) => ({ behaviours: { [NEW_VERSION]: behaviour![NEW_VERSION] } });
const ROLLED_BACK = /rolled back to update #1 \(release 1\.4\.1.*Data was not rolled back.*npm run db:restore/s;

const cases: FaultCase[] = [
    {
        name: "staging preview fails (a provider error)",
        world: { previewFailsFor: { [NEW_VERSION]: "kubernetes: the server has asked for the client to provide credentials" } },
        stack: "staging",
        step: "preview",
        outcome: "stopped",
        slack: [/^⚠️ staging: release 1\.4\.2 stopped at preview, nothing was changed: kubernetes: .* prod was not touched\./],
    },
    {
        name: "staging up fails at the post-deploy check with the app down",
        world: { upFailsFor: { [NEW_VERSION]: "post-deploy check failed: /health answered 503" }, ...bad({ [NEW_VERSION]: { healthStatus: 503 } }) },
        stack: "staging",
        step: "deploy",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/deployment of 1\.4\.2 started/, /deploy failed for 1\.4\.2: post-deploy check failed.*maintenance page ON/, ROLLED_BACK],
    },
    {
        name: "staging up fails before the rollout (the pre-deploy backup Job failed), the app still healthy",
        world: { upFailsFor: { [NEW_VERSION]: "Job ologywood-predeploy-backup failed: pg_dump: connection refused" } },
        stack: "staging",
        step: "deploy",
        outcome: "rolled-back",
        maintenance: false,
        slack: [/deploy failed for 1\.4\.2: Job ologywood-predeploy-backup failed/, ROLLED_BACK],
    },
    {
        name: "staging smoke: /health answers 503 (database connection failures)",
        world: bad({ [NEW_VERSION]: { healthStatus: 503 } }),
        stack: "staging",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/deployment of 1\.4\.2 complete/, /smoke tests failed for 1\.4\.2: GET \/health is 200: HTTP 503/, ROLLED_BACK],
    },
    {
        name: "staging smoke: booking.create answers 500",
        world: bad({ [NEW_VERSION]: { createStatus: 500 } }),
        stack: "staging",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/smoke tests failed for 1\.4\.2: POST booking\.create returns a booking id: expected a booking id, got HTTP 500/, ROLLED_BACK],
    },
    {
        name: "staging smoke: the booking_request email never reaches Mailpit (email service failure)",
        world: bad({ [NEW_VERSION]: { sendsEmail: false } }),
        stack: "staging",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/booking_request email reaches the mail catcher: not found within 120 s/, ROLLED_BACK],
    },
    {
        name: "staging smoke: getById returns other data than written (data corruption)",
        world: bad({ [NEW_VERSION]: { corruptReads: true } }),
        stack: "staging",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/venueName: wrote "Test Venue smoke-[0-9a-f]+", read "Somewhere Else"/, ROLLED_BACK],
    },
    {
        name: "staging smoke: the new version refuses the test token (401), not a rollback criterion",
        world: bad({ [NEW_VERSION]: { echoAuthorization: true } }),
        options: { token: "a-token-the-app-refuses" },
        stack: "staging",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: false,
        slack: [/smoke tests failed for 1\.4\.2: .*UNAUTHORIZED/, ROLLED_BACK],
    },
    {
        name: "staging load test: slow under load, 2.2 s per booking request (p95 over 2 s, under the rollback criteria)",
        world: bad({ [NEW_VERSION]: { slowAfter: { count: 10, ms: 2200 } } }),
        options: { loadTest: { connections: 5, durationSeconds: 3 } },
        loadTest: true,
        stack: "staging",
        step: "load test",
        outcome: "rolled-back",
        maintenance: false,
        slack: [/smoke tests passed/, /load test failed for 1\.4\.2: p95 2\.\d+ s/, ROLLED_BACK],
    },
    {
        name: "staging load test: 2 % of requests answer 5xx (error rate over 1 %)",
        world: bad({ [NEW_VERSION]: { failEvery: 50 } }),
        loadTest: true,
        stack: "staging",
        step: "load test",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/load test failed for 1\.4\.2: .*error rate [1-9]\.\d+ %/, ROLLED_BACK],
    },
    {
        name: "staging bake: users see 5 % errors the smoke test does not hit",
        world: bad({ [NEW_VERSION]: { prometheus: { errorRatio: 0.05 } } }),
        stack: "staging",
        step: "bake",
        outcome: "rolled-back",
        maintenance: true,
        slack: [
            /smoke tests passed/,
            /bake failed for 1\.4\.2: 3 consecutive samples beyond the rollback criteria \(error rate 5\.00 % > 1\.00 %\)/,
            ROLLED_BACK,
        ],
    },
    {
        name: "staging bake: p95 of 7 s",
        world: bad({ [NEW_VERSION]: { prometheus: { latencyP95: 7 } } }),
        stack: "staging",
        step: "bake",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/bake failed for 1\.4\.2: .*p95 7\.00 s > 5 s/, ROLLED_BACK],
    },
    {
        name: "staging bake: no data anywhere (no series, /metrics broken), inconclusive for too long",
        world: bad({ [NEW_VERSION]: { prometheus: { errorRatio: "empty", latencyP95: "NaN" }, metrics: null } }),
        stack: "staging",
        step: "bake",
        outcome: "rolled-back",
        maintenance: false,
        slack: [/bake failed for 1\.4\.2: 5 consecutive samples without data/, ROLLED_BACK],
    },
    {
        name: "prod smoke: booking.create answers 500 after staging passed",
        world: { stackBehaviours: { prod: { [NEW_VERSION]: { createStatus: 500 } } } },
        stack: "prod",
        step: "smoke tests",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/prod: deployment of 1\.4\.2 complete/, /prod: smoke tests failed for 1\.4\.2/, ROLLED_BACK],
    },
    {
        name: "prod bake: errors climb to 3 % ten minutes in",
        world: {
            // Staging bakes 5 minutes, so prod's bake starts at +5:00 on the virtual clock.
            series: (stack, metric, at, version) =>
                stack === "prod" && version === NEW_VERSION && metric.includes("error_ratio") && at >= Date.parse("2026-03-03T19:15:00Z") ? 0.03 : undefined,
        },
        stack: "prod",
        step: "bake",
        outcome: "rolled-back",
        maintenance: true,
        slack: [/prod: smoke tests passed/, /prod: bake failed for 1\.4\.2: .*error rate 3\.00 %/, ROLLED_BACK],
    },
];

describe("release fault cases: each at its step, each ending rolled back or stopped", function () {
    this.timeout(30_000);
    let world: World;
    afterEach(() => world?.close());

    for (const c of cases) {
        it(`${c.name}: ${c.outcome === "stopped" ? "stops" : `rolls ${c.stack} back${c.maintenance ? " behind the maintenance page" : ""}`}`, async () => {
            const sets = { staging: c.loadTest ? [] : ["release.loadTest=false"] };
            world = await World.create({ ...c.world, sets });
            const report = await release(world, c.options);
            const out = world.output;

            // The run ends where expected.
            assert.equal(report.outcome, c.outcome, out);
            assert.equal(report.exitCode, 1);
            assert.equal(report.failure?.stack, c.stack);
            assert.equal(report.failure?.step, c.step);
            // The failing stack is back on the previous release, healthy, maintenance off.
            assert.equal(world.apps[c.stack].version, PREVIOUS_VERSION, out);
            assert.equal(world.apps[c.stack].maintenance, false);
            const config = await world.driver.getAllConfig(c.stack);
            assert.equal(config["ologywood:maintenance"]?.value ?? "false", "false");
            // Stacks after the failing one were never touched.
            if (c.stack === "staging") {
                assert.deepEqual([...new Set(world.driver.methodsOn("prod"))], ["getAllConfig"], "prod was only read for validation");
                assert.equal(world.apps.prod.version, PREVIOUS_VERSION);
                assert.deepEqual(report.untouched, ["prod"]);
            } else {
                assert.equal(world.apps.staging.version, NEW_VERSION, "staging keeps the release that passed there");
                assert.deepEqual(report.released, ["staging"]);
            }
            // How the stack got back.
            const ups = world.upsOn(c.stack);
            if (c.outcome === "stopped") {
                assert.equal(ups.length, 0, "no update ran");
                assert.equal(config["ologywood:imageTag"].value, PREVIOUS_VERSION, "the image tag was set back");
                assert.equal(report.rollback, undefined);
            } else {
                assert.equal(report.rollback?.outcome, "rolled-back", out);
                const rollbackUp = ups.find((u) => u.message?.startsWith("rollback to update #1"));
                assert.ok(rollbackUp, `a rollback update ran: ${JSON.stringify(ups)}`);
                assert.match(rollbackUp!.message!, new RegExp(`\\(release ${PREVIOUS_VERSION}\\) \\(commit ${world.commits.previous}\\)`));
                assert.ok(rollbackUp!.workDir && rollbackUp!.workDir !== world.git.root, "run from a worktree of the previous commit");
                assert.equal(
                    ups.some((u) => /\[maintenance on\]$/.test(u.message ?? "")),
                    Boolean(c.maintenance),
                    `maintenance used: ${JSON.stringify(ups.map((u) => u.message))}`,
                );
                assert.equal(report.rollback!.maintenance, Boolean(c.maintenance));
                assert.ok(
                    !stepTrail(report).some(
                        (s) =>
                            s.startsWith(`${c.stack}:load test`) && stepTrail(report).indexOf(s) > stepTrail(report).findIndex((t) => t.includes("rollback")),
                    ),
                    "no gates on the way back",
                );
                assert.match(out, /Data is NOT rolled back/);
            }
            // The right messages on the failing stack's channel, in order.
            const texts = world.slackTexts(c.stack);
            let from = 0;
            for (const re of c.slack) {
                const i = texts.findIndex((t, k) => k >= from && re.test(t));
                assert.ok(i >= 0, `no message ${re} after #${from} in:\n${texts.join("\n---\n")}`);
                from = i + 1;
            }
            assert.ok(!texts.some((t) => /Successfully Deployed/.test(t)), "no success message");
            const token = c.options?.token ?? WORLD_TOKEN;
            assert.ok(!out.includes(token), "token printed");
            assert.ok(!world.slackTexts().some((t) => t.includes(token)), "token sent to Slack");
            assert.ok(!out.includes("w3bh00k-s3cret"), "webhook printed");
        });
    }
});

export const FAULT_CASE_COUNT = cases.length;
