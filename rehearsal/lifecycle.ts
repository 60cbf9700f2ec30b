/**
 * Stopping what a rehearsal started, from the run itself (at its end, on a failure, on Ctrl-C)
 * or from `npm run rehearse -- --stop --out DIR` after a `--keep` run: the control plane
 * (kwokctl delete cluster, its logs copied to DIR/logs/cluster first), PostgreSQL, and DIR/work.
 * Then no process of the rehearsal may be left: every command it starts carries the run's id in
 * its environment (RUN_ENV, inherited by what they start), and the servers it starts (the control
 * plane's binaries, PostgreSQL) name DIR/work on their command line; that is how a leftover is
 * recognised, reported and stopped by its pid. A person's shell or tool that merely looks at
 * DIR/work (a kubectl with its kubeconfig, a `tail` of a log) is neither, and is left alone.
 */
import * as fs from "fs";
import * as path from "path";
import { stopServerIn } from "../tests/support/postgres";
import { commandLineOf, stopControlPlane } from "./control-plane";
import { ProcessGroup } from "./processes";
import { isAlive, Layout, readState, RehearsalState } from "./state";

/** In the environment of every command the rehearsal starts: `<name>=<run id>`. */
export const RUN_ENV = "OLOGYWOOD_REHEARSAL_RUN";

/**
 * The rehearsal's processes (not this one): those with the run's id in their environment, and
 * servers started from `serverDirs` (the tool cache's bin, PostgreSQL's) whose command line
 * names `work`.
 */
export function processesOf(runId: string, work: string, serverDirs: string[]): { pid: number; command: string }[] {
    const found: { pid: number; command: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        const pid = Number(entry);
        if (!Number.isInteger(pid) || pid === process.pid) continue;
        const command = commandLineOf(pid);
        if (command === undefined) continue;
        let environ = "";
        let exe = "";
        try {
            environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
            exe = fs.readlinkSync(`/proc/${pid}/exe`);
        } catch {
            // gone, a kernel thread, or not ours to read
        }
        const ours =
            environ.split("\0").includes(`${RUN_ENV}=${runId}`) || (command.includes(work) && serverDirs.some((d) => exe.startsWith(`${d}${path.sep}`)));
        if (ours) found.push({ pid, command: command.trim().slice(0, 200) });
    }
    return found;
}

export interface StopResult {
    stopped: string[];
    leftovers: { pid: number; command: string }[];
    problems: string[];
}

/** Stops everything recorded in the state (and anything else that names DIR/work), removes DIR/work and the state file. */
export async function stopEverything(l: Layout, state: RehearsalState | undefined, logFile: string): Promise<StopResult> {
    const procs = new ProcessGroup();
    const result: StopResult = { stopped: [], leftovers: [], problems: [] };
    if (state?.cluster) {
        try {
            await stopControlPlane(state.cluster, procs, path.join(l.logs, "cluster"), logFile);
            result.stopped.push("control plane");
        } catch (e) {
            result.problems.push((e as Error).message);
        }
    }
    if (state?.postgres) {
        try {
            stopServerIn(state.postgres.dir);
            result.stopped.push("PostgreSQL");
        } catch (e) {
            result.problems.push(`PostgreSQL: ${(e as Error).message}`);
        }
    }
    // Anything of this rehearsal still running: report it and stop it.
    result.leftovers = state ? processesOf(state.runId, l.work, serverDirs(state)) : [];
    for (const p of result.leftovers) {
        try {
            process.kill(p.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    await new Promise((r) => setTimeout(r, result.leftovers.length > 0 ? 1000 : 0));
    try {
        fs.rmSync(l.work, { recursive: true, force: true });
        fs.rmSync(l.state, { force: true });
    } catch (e) {
        result.problems.push(`removing ${l.work}: ${(e as Error).message}`);
    }
    return result;
}

/** Where the servers the rehearsal starts come from: the tool cache's bin, PostgreSQL's bin. */
export function serverDirs(state: RehearsalState): string[] {
    return [state.cluster?.bin, state.postgres?.binDir].filter((d): d is string => Boolean(d) && fs.existsSync(d!)).map((d) => fs.realpathSync(d));
}

/** `--stop`: a running rehearsal is asked to stop (SIGTERM) and awaited; a kept one is stopped here. */
export async function stopRehearsal(l: Layout, print: (line: string) => void): Promise<StopResult> {
    const state = readState(l.state);
    if (state && state.pid !== process.pid && isAlive(state.pid) && commandLineOf(state.pid)?.includes("rehearse")) {
        print(`the rehearsal (pid ${state.pid}) is still running: asking it to stop (SIGTERM)`);
        process.kill(state.pid, "SIGTERM");
        for (let i = 0; i < 240 && isAlive(state.pid); i++) await new Promise((r) => setTimeout(r, 500));
    }
    fs.mkdirSync(l.logs, { recursive: true });
    return stopEverything(l, readState(l.state) ?? state, path.join(l.logs, "stop.log"));
}
