/** bench:release's figures from a rehearsal report: measured where the engine ran, modelled (and said so) elsewhere. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { releaseFigures } from "../../bench/rehearsal-figures";
import { STEP_SECONDS, upSeconds } from "../../pipeline/model";

describe("bench:release figures from a rehearsal report", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-bench-figures-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, report: object) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, JSON.stringify(report));
        return file;
    };
    const step = (stack: string, name: string, seconds: number, outcome = "passed") => ({ stack, step: name, seconds, outcome, detail: "" });

    it("takes the median of the passed steps, adds the modelled parts a rehearsal cannot measure, and keeps the rest modelled", () => {
        const file = write("rehearsal.json", {
            kind: "ologywood-rehearsal",
            ok: true,
            pulumiVersion: "v3.276.0",
            kubernetesVersion: "v1.36.3",
            steps: [
                {
                    name: "release 1.1.0",
                    pipeline: {
                        steps: [
                            step("staging", "preview", 3),
                            step("prod", "preview", 5),
                            step("staging", "deploy (pulumi up; the pre-deploy backup gates the rollout)", 16),
                        ],
                    },
                },
                {
                    name: "release 1.2.0",
                    pipeline: {
                        steps: [
                            step("prod", "preview", 4),
                            step("prod", "deploy (pulumi up; the pre-deploy backup gates the rollout)", 99, "failed"),
                            step("prod", "rollback: choose the target", 1.2),
                            step("prod", "rollback: pulumi up with the program and config of update #1", 12),
                            step("prod", "maintenance page OFF", 8),
                        ],
                    },
                },
                { name: "check: no step of its own" },
            ],
        });
        const f = releaseFigures(file);
        assert.equal(f.preview.seconds, 4);
        assert.deepEqual(f.preview.measured, { seconds: 4, samples: 3 });
        assert.equal(f.preview.source, "measured");
        assert.equal(f.releaseUp.measured!.seconds, 16, "the failed up does not count");
        assert.equal(f.releaseUp.seconds, 16 + STEP_SECONDS.up.backupJob + STEP_SECONDS.up.rollout + STEP_SECONDS.up.postDeployCheck);
        assert.equal(f.releaseUp.source, "measured + modelled");
        assert.equal(f.pulumiCall.seconds, 1.2);
        assert.equal(f.rollbackUp.measured!.seconds, 12);
        assert.equal(f.maintenanceOffUp.measured!.seconds, 8);
        assert.equal(f.rollbackPrepare.source, "modelled", "no worktree step in this report");
        assert.match(f.rollbackPrepare.note, /recorded none/);
        assert.equal(f.smoke.source, "modelled");
        assert.match(f.smoke.note, /stand-in/);
        assert.match(f.origin, /v3\.276\.0.*v1\.36\.3/);
    });

    it("without a report, or with someone else's file, every figure is modelled and the reason is given", () => {
        const none = releaseFigures(path.join(dir, "absent.json"));
        assert.match(none.origin, /no rehearsal report at .*npm run rehearse/);
        assert.equal(none.releaseUp.seconds, upSeconds());
        assert.ok(
            Object.values(none)
                .filter((v) => typeof v === "object")
                .every((v) => v.source === "modelled"),
        );
        assert.match(releaseFigures(write("other.json", { kind: "something-else" })).origin, /not a rehearsal report/);
        fs.writeFileSync(path.join(dir, "broken.json"), "{");
        assert.match(releaseFigures(path.join(dir, "broken.json")).origin, /not a rehearsal report/);
    });
});
