/**
 * One rehearsal, start to end: the output folder, the scenario (steps.ts), the report, and the
 * teardown, which runs at the end, on a failure and on Ctrl-C/SIGTERM alike, unless `--keep`
 * asked to leave the backend, the project copy, PostgreSQL and the control plane up for
 * inspection (then `--stop` ends them, lifecycle.ts).
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { writeOutputDir, writeReportFile } from "../cli/output-files";
import { Redactor } from "../cli/redact";
import { Aborted, StepRecorder } from "./recorder";
import { RUN_ENV, stopEverything } from "./lifecycle";
import { ProcessGroup } from "./processes";
import { notThroughEngine, RehearsalReport, SIMULATED, summary } from "./report";
import { BAD, GOOD, newScenario, rehearseCommands, Scenario, scanStep, setUp, STACKS } from "./steps";
import { Layout, layout, REPORT_KIND, RehearsalState, WRITER, writeState } from "./state";
import { Tools } from "./tools";

export interface RehearsalOptions {
    repoRoot: string;
    out: string;
    keep: boolean;
    tools: Tools;
    print: (line: string) => void;
}

/** Prepares DIR (checked by the command before): the marker, fresh logs/ and work/ (both the rehearsal's own). */
function prepareOutput(l: Layout): void {
    writeOutputDir(l.out, WRITER, {});
    for (const dir of [l.logs, l.work]) fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(l.logs, { recursive: true });
    fs.mkdirSync(l.work, { recursive: true });
}

export async function runRehearsal(o: RehearsalOptions): Promise<{ report: RehearsalReport; file: string }> {
    const l = layout(o.out);
    const started = Date.now();
    prepareOutput(l);
    const runId = randomBytes(8).toString("hex");
    // Inherited by every command, server and plugin the rehearsal starts: how a leftover is found.
    process.env[RUN_ENV] = runId;
    const state: RehearsalState = { pid: process.pid, runId, startedAt: new Date(started).toISOString(), keep: o.keep };
    const saveState = () => writeState(l.state, state);
    saveState();

    const procs = new ProcessGroup();
    const stamp = (line: string) => `${new Date().toISOString().slice(11, 19)} ${line}`;
    const recorder = new StepRecorder(l.out, l.logs, (line) => o.print(stamp(line)));
    const s: Scenario = newScenario({ repoRoot: o.repoRoot, l, tools: o.tools, procs, recorder, print: (line) => o.print(stamp(line)), state, saveState });

    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) return;
        signalled = signal;
        o.print(stamp(`${signal}: stopping the running command${o.keep ? "" : ", then everything the rehearsal started"}`));
        recorder.interrupted = `interrupted by ${signal}`;
        void procs.stopAll(5000);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    o.print(stamp(`rehearsal in ${l.out}: ${STACKS.join(" and ")}, releases ${GOOD} then ${BAD}${o.keep ? " (--keep: everything stays up at the end)" : ""}`));
    let aborted: string | undefined;
    try {
        await setUp(s);
        await rehearseCommands(s);
    } catch (e) {
        aborted = e instanceof Aborted ? e.message : `unexpected error: ${(e as Error).stack ?? e}`;
        o.print(stamp(`rehearsal stopped: ${aborted}`));
    }

    const build = (): RehearsalReport => ({
        pulumi: o.tools.path.pulumi,
        pulumiVersion: o.tools.versions.pulumi ?? "unknown",
        kubectl: o.tools.path.kubectl,
        backend: `file://${l.backend}`,
        passphrase: s.passphrase,
        workDir: l.copy,
        kubeconfig: l.kubeconfig,
        kubernetesVersion: s.kubernetesVersion ?? "not started",
        plugins: { kubernetes: o.tools.versions["pulumi-resource-kubernetes"] ?? "unknown" },
        stacks: STACKS,
        steps: recorder.steps,
        ok: !aborted && !signalled && recorder.steps.every((x) => x.ok),
        startedAt: new Date(started).toISOString(),
        endedAt: new Date().toISOString(),
        seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
        kept: o.keep,
        runId,
        baseCommit: s.baseCommit,
        programRunner: s.runner,
        notThroughEngine: notThroughEngine(o.tools.unavailable, s.runner?.why),
        simulated: SIMULATED,
        standIns: Object.fromEntries([
            ...[...(s.standIns?.stacks.values() ?? [])].map((w) => [`${w.stack} app (public URL)`, w.app.url]),
            ...(s.standIns
                ? [
                      ["prometheus", s.standIns.prometheus.url],
                      ["slack", s.standIns.slack.url],
                  ]
                : []),
            ...(s.dba ? [["postgresql", `127.0.0.1:${s.dba.server.port}`]] : []),
        ]),
        versions: { good: GOOD, bad: BAD },
        toolsDir: o.tools.dir,
    });
    if (!signalled && recorder.steps.length > 0) {
        s.reportText = () => JSON.stringify(build());
        await scanStep(s).catch(() => undefined);
    }

    // The stand-ins and controllers live in this process: they end with it, --keep or not.
    s.controllers?.stop();
    await s.standIns?.close().catch(() => undefined);
    s.kube?.close();
    if (o.keep) {
        s.dba?.server.detach();
    } else {
        await recorder
            .run(
                "teardown: control plane, PostgreSQL, project copy, backend (logs and report kept)",
                async (log) => {
                    s.dba?.server.detach();
                    const stopped = await stopEverything(l, state, log);
                    const problems = [...stopped.problems, ...stopped.leftovers.map((p) => `left running, now killed: pid ${p.pid} ${p.command}`)];
                    if (problems.length > 0) throw new Error(problems.join("; "));
                    return {
                        detail: `stopped ${stopped.stopped.join(", ") || "nothing (nothing had started)"}; no process of the rehearsal left; ${path.relative(l.out, l.work)}/ removed`,
                    };
                },
                { always: true },
            )
            .catch(() => undefined);
    }
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);

    const report = build();
    // Nothing secret belongs in the report; a redactor that knows every secret makes sure.
    const redactor = new Redactor(Object.values(s.secrets));
    const file = writeReportFile(l.report, REPORT_KIND, report, (t) => redactor.redact(t), "--out");
    for (const line of summary(report, file, l.out)) o.print(line);
    return { report, file };
}
