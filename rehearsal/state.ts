/**
 * Where a rehearsal keeps things in its output folder, and the small state file that lets a
 * later `npm run rehearse -- --stop --out DIR` stop what a `--keep` run left running:
 *
 *   DIR/rehearsal.json          the report (kept)
 *   DIR/logs/                   one log per step, the control plane's logs at the end (kept)
 *   DIR/rehearsal-state.json    what is running and where (while anything runs)
 *   DIR/work/                   the project copy, the Pulumi backend and home, the control plane's
 *                               folder, PostgreSQL's folder, scratch space (removed when stopped)
 *
 * Everything under DIR/work and DIR/logs is made by the rehearsal; it removes nothing else.
 */
import * as fs from "fs";
import * as path from "path";

export const WRITER = "npm run rehearse";
export const REPORT_FILE = "rehearsal.json";
export const REPORT_KIND = "ologywood-rehearsal";
export const STATE_FILE = "rehearsal-state.json";

export interface Layout {
    out: string;
    report: string;
    state: string;
    logs: string;
    work: string;
    /** The scratch git clone the stacks run from. */
    copy: string;
    /** `pulumi login file://<backend>` */
    backend: string;
    pulumiHome: string;
    /** KWOK_WORKDIR: kwokctl keeps the cluster's certificates, etcd data and logs here. */
    kwok: string;
    kubeconfig: string;
    /** TMPDIR of every command: rollback worktrees and temporary files stay inside DIR. */
    tmp: string;
    /** Where the stand-in provisioner's volumes point. */
    volumes: string;
    /** Parent of PostgreSQL's folder. */
    postgres: string;
}

export function layout(out: string): Layout {
    const root = path.resolve(out);
    const work = path.join(root, "work");
    return {
        out: root,
        report: path.join(root, REPORT_FILE),
        state: path.join(root, STATE_FILE),
        logs: path.join(root, "logs"),
        work,
        copy: path.join(work, "project"),
        backend: path.join(work, "backend"),
        pulumiHome: path.join(work, "pulumi-home"),
        kwok: path.join(work, "kwok"),
        kubeconfig: path.join(work, "kubeconfig"),
        tmp: path.join(work, "tmp"),
        volumes: path.join(work, "volumes"),
        postgres: path.join(work, "postgres"),
    };
}

/** What runs, for --stop: written as soon as each part starts, so even a crashed run can be stopped. */
export interface RehearsalState {
    /** The rehearsal process (gone after a --keep run ends). */
    pid: number;
    /** In the environment of every command the run starts (lifecycle.ts RUN_ENV). */
    runId: string;
    startedAt: string;
    keep: boolean;
    cluster?: { name: string; kwokctl: string; bin: string; workdir: string; kubeconfig: string };
    postgres?: { dir: string; binDir: string };
}

export function readState(file: string): RehearsalState | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as RehearsalState;
    } catch {
        return undefined;
    }
}

export function writeState(file: string, state: RehearsalState): void {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state, null, 2) + "\n");
    fs.renameSync(temporary, file);
}

/** The process is alive (signal 0 reaches it). */
export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}
