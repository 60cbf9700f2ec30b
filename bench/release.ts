/**
 * `npm run bench:release [-- --rehearsal FILE]`: the release pipeline end to end with FakeDriver,
 * the local stand-ins and step durations on a virtual clock, against the plan's manual process.
 * The durations the real engine was measured to take in a rehearsal (FILE, by default the report
 * `npm run rehearse` writes) replace the model's; the rest stay modelled (bench/rehearsal-figures.ts
 * says which and why). Prints:
 *   A. time from tag to prod (live and verified; and to the end of prod's bake);
 *   B. a regression on prod: time from the crossed rollback criterion to the rollback started,
 *      to the maintenance page, and to healthy again.
 * Targets (issue 5): tag to prod <= 20 min; rollback started <= 2 min and healthy <= 5 min
 * after the criterion. Baselines: the deployment plan's own figures (2 to 3 hours; metrics
 * checked every 5 minutes in the first hour; "Immediate Rollback (< 5 minutes)" by hand).
 * docs/release.md explains the model. Results also go to .bench/release.json.
 */
import { RECORDING_RULES, THRESHOLDS } from "../metrics/contract";
import { formatDuration, formatOffset } from "../pipeline/clock";
import { runBake } from "../pipeline/bake";
import { runLoadTest } from "../pipeline/loadtest";
import { ReleaseDeps, ReleaseReport, runRelease } from "../pipeline/release";
import { StepRecord } from "../pipeline/report";
import { Notifier } from "../pipeline/slack";
import { runSmoke } from "../pipeline/smoke";
import { World, WorldOptions, WORLD_TOKEN } from "../tests/support/standins/world";
import { UsageError } from "../cli/frame";
import { OutputError, checkReportFile, writeReportFile } from "../cli/output-files";
import { STEP_SECONDS } from "../pipeline/model";
import { DEFAULT_REHEARSAL_REPORT, Figure, ReleaseFigures, releaseFigures } from "./rehearsal-figures";

const VERSION = "1.4.2";
/** The benchmark's figures, for comparing runs; replaced only when it is an earlier one. */
const FIGURES_FILE = ".bench/release.json";
const FIGURES_KIND = "ologywood-bench-release";
const S = STEP_SECONDS;
/** The plan: "Estimated Deployment Time: 2-3 hours". */
const PLAN_RELEASE = { low: 2 * 3600, high: 3 * 3600 };
/** The plan's hour 1: "Monitor every 5 minutes"; then "Immediate Rollback (< 5 minutes)" by hand. */
const PLAN_DETECTION = 5 * 60;
const PLAN_ROLLBACK = 5 * 60;
/** When users start seeing errors, counted from the start of prod's bake. */
const REGRESSION_AFTER_BAKE_START = 4 * 60;
/** The error rate users see from then on. */
const REGRESSION_ERROR_RATE = 0.05;
/** The recording rule's window: the 5-minute error ratio ramps up over it. */
const WINDOW_SECONDS = 300;
const BASE_ERROR_RATE = 0.0003;

async function scenario(
    F: ReleaseFigures,
    name: string,
    options: WorldOptions,
    onBakeStart?: (namespace: string, now: number) => void,
): Promise<{ report: ReleaseReport; world: World; t0: number; wallMs: number }> {
    const wallStart = performance.now();
    const world = await World.create({
        ...options,
        callVirtualMs: F.pulumiCall.seconds * 1000,
        previewVirtualMs: F.preview.seconds * 1000,
        upVirtualMs: (_stack, run) =>
            1000 * (!run.workDir ? F.releaseUp : /\[maintenance off\]/.test(run.message ?? "") ? F.maintenanceOffUp : F.rollbackUp).seconds,
    });
    const clock = world.clock;
    const t0 = clock.now();
    await clock.sleep(S.ciStart * 1000);
    const base = world.deps();
    const git = base.git;
    const deps: ReleaseDeps = {
        ...base,
        git: {
            root: git.root,
            head: () => git.head(),
            uncommittedChanges: () => git.uncommittedChanges(),
            hasCommit: (c) => git.hasCommit(c),
            addWorktree: async (c) => (await clock.sleep(F.rollbackPrepare.seconds * 1000), git.addWorktree(c)),
            removeWorktree: (d) => git.removeWorktree(d),
        },
        notifierFor: (config, log): Notifier => {
            const inner = base.notifierFor(config, log);
            return { send: async (n) => (await clock.sleep(S.slack * 1000), inner.send(n)) };
        },
        gates: {
            // The real gates against the stand-ins, plus the time they take on a real cluster.
            smoke: async (o) => (await clock.sleep(F.smoke.seconds * 1000), runSmoke(o)),
            loadTest: async (o) => {
                const r = await runLoadTest({ ...o, connections: 10, durationSeconds: 2, rate: 0 });
                await clock.sleep((THRESHOLDS.loadTest.durationSeconds + S.loadOverhead) * 1000);
                return r;
            },
            bake: (o) => (onBakeStart?.(o.namespace, clock.now()), runBake(o)),
        },
    };
    process.stdout.write(`  running ${name} ...`);
    const report = await runRelease(deps, { imageTag: VERSION, stacks: ["staging", "prod"], token: WORLD_TOKEN });
    const wallMs = performance.now() - wallStart;
    process.stdout.write(` ${report.outcome} (${(wallMs / 1000).toFixed(1)} s of real time)\n`);
    return { report, world, t0, wallMs };
}

const step = (r: ReleaseReport, stack: string, prefix: string): StepRecord => {
    const found = r.steps.find((s) => s.stack === stack && s.step.startsWith(prefix));
    if (!found) throw new Error(`no step ${stack} ${prefix} in the report`);
    return found;
};
const at = (iso: string, t0: number) => (Date.parse(iso) - t0) / 1000;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const verdict = (value: number, target: number) => (value <= target ? "met" : "MISSED");
const mmss = (s: number) => formatDuration(s * 1000);

function parseArgs(argv: string[]): { rehearsal: string } {
    let rehearsal = DEFAULT_REHEARSAL_REPORT;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--rehearsal" && argv[i + 1] && !argv[i + 1].startsWith("--")) rehearsal = argv[++i];
        else if (argv[i] === "--help" || argv[i] === "-h") {
            console.log(
                `Usage: npm run bench:release -- [--rehearsal FILE]\n\n  --rehearsal  a rehearsal's report whose measured durations replace the model's (default ${DEFAULT_REHEARSAL_REPORT}; absent: all modelled)`,
            );
            process.exit(0);
        } else throw new UsageError(`unexpected argument '${argv[i]}'; usage: npm run bench:release -- [--rehearsal FILE]`);
    }
    return { rehearsal };
}

function printFigures(F: ReleaseFigures): void {
    console.log(`Step durations: ${F.origin}`);
    console.log(`  ${"figure".padEnd(20)}${"model".padStart(8)}${"rehearsal".padStart(12)}${"used".padStart(8)}   source`);
    const rows: [string, Figure][] = [
        ["Pulumi CLI call", F.pulumiCall],
        ["preview", F.preview],
        ["release up", F.releaseUp],
        ["rollback worktree", F.rollbackPrepare],
        ["rollback up", F.rollbackUp],
        ["maintenance-off up", F.maintenanceOffUp],
        ["smoke tests", F.smoke],
    ];
    for (const [name, f] of rows) {
        const measured = f.measured ? `${f.measured.seconds.toFixed(1)} (${f.measured.samples}x)` : "-";
        console.log(
            `  ${name.padEnd(20)}${f.model.toFixed(1).padStart(8)}${measured.padStart(12)}${f.seconds.toFixed(1).padStart(8)}   ${f.source}: ${f.note}`,
        );
    }
    console.log(
        `  still modelled everywhere: CI start ${S.ciStart} s (the runner), Slack ${S.slack} s, load test set-up ${S.loadOverhead} s, the maintenance page ${S.maintenancePageUp} s into the rollback up;`,
    );
    console.log("  bake and load test durations come from the stack files and the plan, as in a real release.\n");
}

async function main(): Promise<void> {
    const wallStart = performance.now();
    const args = parseArgs(process.argv.slice(2));
    checkReportFile(FIGURES_FILE, FIGURES_KIND, "figures file");
    const F = releaseFigures(args.rehearsal);
    console.log("Release benchmark: FakeDriver, local stand-ins (app, Prometheus, Slack, Mailpit), real smoke/load/bake code,");
    console.log("on a virtual clock that advances by each step's duration (docs/release.md explains the model).\n");
    printFigures(F);

    // A. A good release.
    const good = await scenario(F, "A: release 1.4.2, healthy", {});
    // B. The same release; on prod, users start seeing 5 % errors 4 minutes into the bake.
    let regressionAt = 0;
    const bad = await scenario(
        F,
        "B: release 1.4.2, regression on prod",
        {
            series: (stack, metric, now, version) => {
                if (stack !== "prod" || version !== VERSION || metric !== RECORDING_RULES.errorRatio("5m") || !regressionAt) return undefined;
                const into = (now - regressionAt) / 1000;
                return into <= 0 ? BASE_ERROR_RATE : BASE_ERROR_RATE + REGRESSION_ERROR_RATE * Math.min(1, into / WINDOW_SECONDS);
            },
        },
        (namespace, now) => {
            if (namespace === "ologywood-prod") regressionAt = now + REGRESSION_AFTER_BAKE_START * 1000;
        },
    );
    await good.world.close();
    await bad.world.close();

    // A: figures.
    const a = good.report;
    if (a.outcome !== "succeeded") throw new Error(`scenario A did not succeed: ${a.failure?.reason}`);
    const prodLive = at(step(a, "prod", "smoke tests").end, good.t0);
    const complete = at(a.endedAt, good.t0);
    console.log("\nA. Tag to prod (release 1.4.2, both stacks healthy)\n");
    const timeline: [string, number][] = [
        ["tag pushed, CI job starts", 0],
        ["staging deployment started", at(step(a, "staging", "deploy").start, good.t0)],
        ["staging deployed", at(step(a, "staging", "deploy").end, good.t0)],
        ["staging smoke tests passed", at(step(a, "staging", "smoke tests").end, good.t0)],
        ["staging load test passed", at(step(a, "staging", "load test").end, good.t0)],
        ["staging bake passed", at(step(a, "staging", "bake").end, good.t0)],
        ["prod deployment started", at(step(a, "prod", "deploy").start, good.t0)],
        ["prod deployed", at(step(a, "prod", "deploy").end, good.t0)],
        ["prod smoke tests passed: prod is live", prodLive],
        ["prod bake passed: release complete", complete],
    ];
    timeline.forEach(([what, s]) => console.log(`  ${formatOffset(s * 1000).padStart(8)}  ${what}`));
    const bakeTotal = a.steps.filter((s) => s.step.startsWith("bake")).reduce((n, s) => n + s.seconds, 0);
    console.log("");
    console.log(`  ${"".padEnd(34)}${"pipeline".padStart(10)}${"plan (2-3 h)".padStart(16)}${"ratio".padStart(8)}   target`);
    console.log(
        `  ${"tag -> prod live".padEnd(34)}${mmss(prodLive).padStart(10)}${mmss(PLAN_RELEASE.high).padStart(16)}${ratio(prodLive, PLAN_RELEASE.high).padStart(8)}   <= 20 min: ${verdict(prodLive, 20 * 60)}` +
            `  (${ratio(prodLive, PLAN_RELEASE.low)} of 2 h)`,
    );
    console.log(
        `  ${"tag -> release complete".padEnd(34)}${mmss(complete).padStart(10)}${mmss(PLAN_RELEASE.high).padStart(16)}${ratio(complete, PLAN_RELEASE.high).padStart(8)}   (prod's ${mmss(900)} bake included)`,
    );
    console.log(
        `  bake time: ${mmss(bakeTotal)} of ${mmss(complete)} (${Math.round((100 * bakeTotal) / complete)} %); the production environment's sign-off wait in CI is not counted.`,
    );

    // B: figures.
    const b = bad.report;
    if (b.outcome !== "rolled-back") throw new Error(`scenario B did not roll back: ${b.outcome} ${b.failure?.reason}`);
    const regression = (regressionAt - bad.t0) / 1000;
    const crossed = regression + (WINDOW_SECONDS * (THRESHOLDS.rollback.errorRate - BASE_ERROR_RATE)) / REGRESSION_ERROR_RATE;
    const started = at(step(b, "prod", "rollback: choose").start, bad.t0);
    const rollbackUp = step(b, "prod", "rollback: pulumi up");
    const pageUp = at(rollbackUp.start, bad.t0) + S.maintenancePageUp;
    const healthy = at(step(b, "prod", "rollback: health check").end, bad.t0);
    console.log(`\nB. Regression on prod: users see ${REGRESSION_ERROR_RATE * 100} % errors from ${mmss(REGRESSION_AFTER_BAKE_START)} into prod's bake\n`);
    const events: [string, number][] = [
        ["users start seeing errors", regression],
        [`criterion crossed: 5m error ratio > ${THRESHOLDS.rollback.errorRate * 100} %`, crossed],
        [`bake fails (${b.failure?.reason})`, at(step(b, "prod", "bake").end, bad.t0)],
        ["rollback started", started],
        ["maintenance page up (modelled, inside the rollback update)", pageUp],
        ["previous release rolled back in", at(rollbackUp.end, bad.t0)],
        ["maintenance page off", at(step(b, "prod", "maintenance page OFF").end, bad.t0)],
        ["healthy again: /health 200 through the public host", healthy],
    ];
    events.forEach(([what, s]) => console.log(`  ${formatOffset(s * 1000).padStart(8)}  ${what}`));
    console.log("");
    console.log(`  ${"".padEnd(34)}${"pipeline".padStart(10)}${"plan".padStart(16)}${"ratio".padStart(8)}   target`);
    console.log(
        `  ${"criterion -> rollback started".padEnd(34)}${mmss(started - crossed).padStart(10)}${`<= ${mmss(PLAN_DETECTION)}`.padStart(16)}${ratio(started - crossed, PLAN_DETECTION).padStart(8)}   <= 2 min: ${verdict(started - crossed, 120)}`,
    );
    console.log(
        `  ${"criterion -> maintenance page".padEnd(34)}${mmss(pageUp - crossed).padStart(10)}${`<= ${mmss(PLAN_DETECTION + 60)}`.padStart(16)}${ratio(pageUp - crossed, PLAN_DETECTION + 60).padStart(8)}`,
    );
    console.log(
        `  ${"criterion -> healthy again".padEnd(34)}${mmss(healthy - crossed).padStart(10)}${`<= ${mmss(PLAN_DETECTION + PLAN_ROLLBACK)}`.padStart(16)}${ratio(healthy - crossed, PLAN_DETECTION + PLAN_ROLLBACK).padStart(8)}   <= 5 min: ${verdict(healthy - crossed, 300)}`,
    );
    console.log(
        `  rollback alone (started -> healthy): ${mmss(healthy - started)}; the plan's manual rollback: < ${mmss(PLAN_ROLLBACK)} once someone noticed.`,
    );
    console.log(`  (plan: metrics checked every 5 minutes in hour 1, so a crossed criterion is seen up to 5 min later; then the rollback by hand.)`);

    const wall = (performance.now() - wallStart) / 1000;
    console.log(
        `\nreal time of this run: ${wall.toFixed(1)} s for ${mmss((Date.parse(a.endedAt) - good.t0) / 1000 + (Date.parse(b.endedAt) - bad.t0) / 1000)} of modelled pipeline time`,
    );
    // Only over an earlier figures file of this benchmark: never over someone else's file.
    writeReportFile(
        FIGURES_FILE,
        FIGURES_KIND,
        {
            model: STEP_SECONDS,
            figures: F,
            release: { tagToProdLiveSeconds: prodLive, tagToCompleteSeconds: complete, bakeSeconds: bakeTotal, planSeconds: PLAN_RELEASE, timeline },
            rollback: {
                regressionAt: regression,
                criterionCrossedAt: crossed,
                rollbackStartedAt: started,
                maintenancePageAt: pageUp,
                healthyAt: healthy,
                events,
            },
            wallSeconds: wall,
        },
        undefined,
        "figures file",
    );
    console.log(`figures written to ${FIGURES_FILE}`);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(`bench:release failed: ${e instanceof UsageError || e instanceof OutputError ? e.message : ((e as Error).stack ?? e)}`);
        process.exit(e instanceof UsageError ? 2 : 1);
    },
);
