/**
 * Running the real promtool (Debian package `prometheus`) on our rules: used by the tests and by
 * `npm run bench:alerts`. Missing promtool is an error that says what to install, never a skip.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export class PromtoolMissingError extends Error {
    constructor() {
        super("promtool not found on PATH: install Debian's prometheus package (apt-get install -y prometheus), which provides /usr/bin/promtool");
        this.name = "PromtoolMissingError";
    }
}

/** promtool on PATH, else Debian's /usr/bin/promtool. */
export function promtoolPath(searchPath = process.env.PATH ?? "", fallbacks = ["/usr/bin"]): string {
    for (const dir of searchPath.split(delimiter).concat(fallbacks)) {
        const candidate = join(dir, "promtool");
        if (dir && existsSync(candidate)) return candidate;
    }
    throw new PromtoolMissingError();
}

export interface PromtoolResult {
    status: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr together, for messages. */
    output: string;
}

export function promtool(args: string[], cwd?: string): PromtoolResult {
    const r = spawnSync(promtoolPath(), args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** A `{a="b", c="d"} 1.5E+02` line of promtool's failure report as labels and value. */
export interface ReportedSample {
    labels: Record<string, string>;
    value: number;
}

/**
 * The samples promtool printed as "got" for a failed promql_expr_test. Tests and the benchmark
 * use a deliberately empty expectation to read values back (e.g. when an alert first fired).
 */
export function parseGotSamples(output: string, exprMarker: string): ReportedSample[] {
    const start = output.indexOf(exprMarker);
    if (start < 0) return [];
    const next = output.indexOf("expr:", start + exprMarker.length);
    const block = output.slice(start, next < 0 ? undefined : next);
    const got = block.indexOf("got:");
    if (got < 0) return [];
    const samples: ReportedSample[] = [];
    // promtool prints values with three significant digits ("7.29E+03"): callers keep them small.
    for (const m of block.slice(got).matchAll(/\{([^}]*)\}\s+([^\s,]+)/g)) {
        const labels: Record<string, string> = {};
        for (const l of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
        samples.push({ labels, value: Number(m[2]) });
    }
    return samples;
}

/** Like promtool(), without blocking: lets the benchmark run one promtool per core. */
export function promtoolAsync(args: string[], cwd?: string): Promise<PromtoolResult> {
    const bin = promtoolPath();
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", (d) => {
            stdout += d;
        });
        child.stderr.on("data", (d) => {
            stderr += d;
        });
        child.on("error", reject);
        child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr, output: `${stdout}${stderr}` }));
    });
}
