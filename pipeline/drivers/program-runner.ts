/**
 * Who runs a program directory's Pulumi program for the engine.
 *
 * Normally the engine starts the `pulumi-language-nodejs` plugin that ships with the CLI, which
 * runs `node` on the directory's program ("language-host"). A CLI built from Go modules has no
 * language host (its module is not served by the Go module proxy: docs/rehearsal.md), and then
 * the SDK's own language runtime runs the same program inside this process ("in-process"): the
 * Automation API's inline mode, with the directory's Pulumi.yaml, stack files and index.ts. The
 * program, its config and its state are the same; only the host process differs.
 */
import * as fs from "fs";
import * as path from "path";
import type { PulumiFn } from "@pulumi/pulumi/automation";

export type ProgramRunner = "language-host" | "in-process";

export const RUNNER_ENV = "OLOGYWOOD_PROGRAM_RUNNER";

/** The runner to use, and why: OLOGYWOOD_PROGRAM_RUNNER, else the language host when it is installed. */
export function chooseProgramRunner(env: NodeJS.ProcessEnv = process.env): { runner: ProgramRunner; why: string } {
    const forced = env[RUNNER_ENV];
    if (forced === "language-host" || forced === "in-process") return { runner: forced, why: `${RUNNER_ENV}=${forced}` };
    if (forced !== undefined && forced !== "") throw new Error(`${RUNNER_ENV} must be language-host or in-process, got '${forced}'`);
    const pathDirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
    const host = pathDirs.map((d) => path.join(d, "pulumi-language-nodejs")).find(isExecutable);
    if (host) return { runner: "language-host", why: `the engine runs the program with ${host}` };
    const cli = pathDirs.map((d) => path.join(d, "pulumi")).find(isExecutable);
    return { runner: "in-process", why: `no pulumi-language-nodejs on PATH${cli ? ` or beside ${cli}` : ""}: the SDK runs the program in this process` };
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/**
 * The program of `dir` as an inline Automation API program: its index.ts, loaded afresh on each
 * run (a release and its rollback may run it several times in one process). It must share this
 * process's @pulumi/pulumi, whose runtime the engine talks to; a directory with dependencies of
 * its own (a rollback to a commit with another lockfile) needs the language host.
 */
export function inProcessProgram(dir: string): PulumiFn {
    const root = fs.realpathSync(dir);
    const ours = fs.realpathSync(require.resolve("@pulumi/pulumi"));
    let theirs: string;
    try {
        theirs = fs.realpathSync(require.resolve("@pulumi/pulumi", { paths: [root] }));
    } catch {
        throw new Error(`the program in ${dir} has no @pulumi/pulumi installed (run npm ci there)`);
    }
    if (theirs !== ours) {
        throw new Error(
            `the program in ${dir} has dependencies of its own (@pulumi/pulumi at ${path.dirname(theirs)}): ` +
                "running it needs the pulumi-language-nodejs plugin of an official Pulumi CLI, which this CLI lacks",
        );
    }
    return async () => {
        const own = `${root}${path.sep}`;
        for (const key of Object.keys(require.cache)) {
            if (key.startsWith(own) && !key.slice(own.length).split(path.sep).includes("node_modules")) delete require.cache[key];
        }
        if (!require.extensions[".ts"]) {
            // Commands run under ts-node already; this covers a plain node process.
            require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
        }
        return require(path.join(root, "index.ts"));
    };
}
