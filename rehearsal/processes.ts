/**
 * How the rehearsal runs the real tools: each command in its own process group (so that a
 * Ctrl-C, a failure or the end of the run stops it with everything it started), its output
 * appended to a log file under DIR/logs, the exit code and the wall time returned. Nothing here
 * decides whether a result is good: the steps do.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";

export interface RunResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Appended with the command line, its output and its exit. */
    logFile?: string;
    input?: string;
    timeoutMs?: number;
    /** Also echo each output line here (the long commands: release, rollback). */
    echo?: (line: string) => void;
    /** Standard output holds secrets (a Secret read back): kept in memory, never written to the log. */
    secretOutput?: boolean;
}

/** Output kept in memory per stream (the log file has everything). */
const KEEP = 4 * 1024 * 1024;

export class ProcessGroup {
    private readonly live = new Set<ChildProcess>();
    private stopping = false;

    /** Runs `command` to its end; never throws for a non-zero exit (the caller decides). */
    run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
        if (this.stopping) return Promise.reject(new Error(`not starting ${command}: the rehearsal is stopping`));
        const started = Date.now();
        const log = options.logFile ? fs.openSync(options.logFile, "a") : undefined;
        const write = (text: string) => {
            if (log !== undefined) fs.writeSync(log, text);
        };
        write(`\n$ ${[command, ...args].join(" ")}${options.cwd ? `    (in ${options.cwd})` : ""}\n`);
        return new Promise<RunResult>((resolve) => {
            // detached: a process group of its own, stopped as a whole by stopAll().
            const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
            this.live.add(child);
            let stdout = "";
            let stderr = "";
            let partial = "";
            const timer = options.timeoutMs
                ? setTimeout(() => {
                      write(`\n[rehearsal] timed out after ${options.timeoutMs! / 1000} s: stopping it\n`);
                      killGroup(child, "SIGTERM");
                      setTimeout(() => killGroup(child, "SIGKILL"), 5000).unref();
                  }, options.timeoutMs)
                : undefined;
            const take = (kind: "out" | "err") => (chunk: Buffer) => {
                const text = chunk.toString("utf8");
                if (kind === "err" || !options.secretOutput) write(text);
                else if (stdout.length === 0) write("[standard output not logged: it holds secrets]\n");
                if (kind === "out" && stdout.length < KEEP) stdout += text;
                if (kind === "err" && stderr.length < KEEP) stderr += text;
                if (options.echo) {
                    const lines = (partial + text).split("\n");
                    partial = lines.pop() ?? "";
                    lines.forEach((l) => options.echo!(l));
                }
            };
            child.stdout!.on("data", take("out"));
            child.stderr!.on("data", take("err"));
            child.stdin!.on("error", () => undefined);
            child.stdin!.end(options.input ?? "");
            const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
                if (timer) clearTimeout(timer);
                this.live.delete(child);
                if (partial && options.echo) options.echo(partial);
                const seconds = (Date.now() - started) / 1000;
                write(`[rehearsal] ${error ? `could not start: ${error.message}` : `exit ${code ?? signal}`} after ${seconds.toFixed(1)} s\n`);
                if (log !== undefined) fs.closeSync(log);
                resolve({ code: error ? 127 : code, signal, stdout, stderr: error ? `${stderr}${error.message}` : stderr, seconds });
            };
            child.on("error", (e) => finish(null, null, e));
            child.on("close", (code, signal) => finish(code, signal));
        });
    }

    /** Stops every running command and what it started (SIGTERM, then SIGKILL after `graceMs`). */
    async stopAll(graceMs = 10_000): Promise<void> {
        this.stopping = true;
        const children = [...this.live];
        children.forEach((c) => killGroup(c, "SIGTERM"));
        const deadline = Date.now() + graceMs;
        while (this.live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        [...this.live].forEach((c) => killGroup(c, "SIGKILL"));
    }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        // already gone
    }
}
