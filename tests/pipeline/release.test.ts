import { strict as assert } from "assert";
import { World, WORLD_TOKEN } from "../../pipeline/standins/world";
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
            "staging:validate config:passed", "prod:validate config:passed",
            "staging:preview:passed", "staging:deploy:passed", "staging:smoke tests:passed", "staging:load test:passed", "staging:bake:passed",
            "prod:preview:passed", "prod:deploy:passed", "prod:smoke tests:passed", "prod:bake:passed",
        ]);
        assert.equal(world.apps.staging.version, NEW_VERSION);
        assert.equal(world.apps.prod.version, NEW_VERSION);
        // Every update records the program's commit, in its message and its environment.
        const history = await world.driver.history("prod");
        assert.equal(history[0].message, `release ${NEW_VERSION} (commit ${world.commits.head})`);
        assert.equal(history[0].environment.OLOGYWOOD_GIT_COMMIT, world.commits.head);
        // The plan's messages: each stage, then success.
        const expected = [/^staging: deployment of 1\.4\.2 started$/, /^staging: deployment of 1\.4\.2 complete/, /^staging: smoke tests passed ✅/,
            /^staging: load test passed ✅ \(p95/, /^staging: metrics watch \(5m00s\) passed ✅/, /^staging: release 1\.4\.2 done ✅/, /Successfully Deployed!/];
        const staging = world.slackTexts("staging");
        assert.equal(staging.length, expected.length, staging.join("\n---\n"));
        expected.forEach((re, i) => assert.match(staging[i], re));
        assert.ok(world.slackTexts("prod").every((t) => !/load test/.test(t.split("\n")[0])), "no load test on prod");
        assert.match(world.slackTexts().at(-1)!, /Booking System 1\.4\.2 Successfully Deployed!/);
        // Staging's smoke test found the email through Mailpit.
        assert.ok(world.accessed.some((u) => u.startsWith("http://ologywood-mailpit.ologywood-staging:8025")));
        assert.ok(!world.output.includes(WORLD_TOKEN));
    });
});
