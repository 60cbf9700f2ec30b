/**
 * The rehearsal itself (issue 9): the real commands under the real Pulumi engine against a local
 * control plane, as `npm run rehearse` runs them. About 25 minutes, so it runs once, and its
 * report is what the assertions read. It needs the tools rehearsal/build-tools.sh builds (85
 * minutes cold): without them this test FAILS and says how to build them, unless
 * OLOGYWOOD_REHEARSAL=skip says, on purpose, not to rehearse (.ci/run does so only when the tool
 * cache is absent, and prints that it did).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT } from "../../cli/frame";
import type { RehearsalReport } from "../../rehearsal/report";
import { CommandRun, runCli } from "../support/command";
import { REHEARSAL_SKIPPED, rehearsalTools } from "../support/rehearsal-tools";
import { processesOf } from "../../rehearsal/lifecycle";

(REHEARSAL_SKIPPED ? describe.skip : describe)("rehearsal: the real commands, the real engine, a real API server", function () {
    this.timeout(60 * 60_000);
    let out: string;
    let run: CommandRun;
    let report: RehearsalReport;

    before(async function () {
        rehearsalTools();
        out = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-rehearsal-"));
        // As root, PostgreSQL runs as `postgres`, which must reach DIR/work (mkdtemp makes it 0700).
        fs.chmodSync(out, 0o755);
        run = await runCli("rehearse", ["--out", out], { onStdout: (d) => process.stdout.write(`      ${d.replace(/\n(?=.)/g, "\n      ")}`) });
        report = JSON.parse(fs.readFileSync(path.join(out, "rehearsal.json"), "utf8")) as RehearsalReport;
    });
    after(() => {
        if (out && run?.code === EXIT.ok) fs.rmSync(out, { recursive: true, force: true });
    });

    it("every step and check passed, exit 0", () => {
        const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.detail}`);
        assert.deepEqual(failed, [], `logs in ${out}/logs`);
        assert.equal(run.code, EXIT.ok, run.stderr.slice(-2000));
        assert.equal(report.ok, true);
    });

    it("ran the whole scenario: preview, both releases, the automatic rollback, rollback, maintenance, db:restore, the secret scan", () => {
        const names = report.steps.map((s) => s.name).join("\n");
        for (const step of [
            /^pulumi preview staging/m,
            /^release 1\.1\.0/m,
            /^release 1\.2\.0 .*automatic rollback/m,
            /^check: prod runs 1\.1\.0/m,
            /^npm run rollback -- staging/m,
            /^npm run maintenance -- staging on/m,
            /^npm run maintenance -- staging off/m,
            /^npm run db:restore/m,
            /^check: no secret in DIR/m,
            /^teardown/m,
        ]) {
            assert.match(names, step);
        }
    });

    it("the report names the real tools, the backend, the cluster and what did not go through the engine", () => {
        assert.ok(path.isAbsolute(report.pulumi) && path.isAbsolute(report.kubectl) && path.isAbsolute(report.workDir) && path.isAbsolute(report.kubeconfig));
        assert.match(report.pulumiVersion, /^v?3\.\d+\.\d+/);
        assert.match(report.kubernetesVersion, /^v1\.\d+\.\d+/);
        assert.match(report.backend, /^file:\/\//);
        assert.match(report.plugins.kubernetes, /^v?4\.\d+\.\d+/);
        assert.deepEqual(report.stacks, ["staging", "prod"]);
        assert.ok(report.passphrase.length >= 16);
        assert.ok(report.notThroughEngine.length > 0, "the report says what the engine did not do");
        assert.ok(report.steps.every((s) => typeof s.seconds === "number" && typeof s.detail === "string"));
    });

    it("stopped everything and kept only the report and logs", () => {
        assert.deepEqual(
            fs
                .readdirSync(out)
                .filter((f) => !f.startsWith("."))
                .sort(),
            ["logs", "rehearsal.json"],
        );
        assert.deepEqual(processesOf(report.runId, path.join(out, "work"), []), [], "no process of the rehearsal left");
    });
});
