/**
 * The project copy and the Pulumi backend the rehearsal's stacks live in, both inside DIR: a
 * scratch git clone of this repository's HEAD (its node_modules linked from here: the lockfile
 * is the same), `pulumi login file://DIR/work/backend` with PULUMI_HOME in DIR and a generated
 * passphrase, the stacks made with `pulumi stack init`, the rehearsal's settings written with
 * `pulumi config set --path` and every secret with `pulumi config set --secret` (the value on
 * stdin, never on a command line).
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ProcessGroup, RunResult } from "./processes";
import { Layout } from "./state";
import { Tools } from "./tools";

export interface StackSettings {
    stack: string;
    /** `pulumi config set --path` keys (without `ologywood:`) and values. */
    plain: [string, string][];
    /** The same, set with --secret. */
    secrets: [string, string][];
}

export interface Backend {
    url: string;
    passphrase: string;
    /** The commit of this repository the copy starts from. */
    baseCommit: string;
    /** Environment of every command the rehearsal runs in the copy. */
    env: NodeJS.ProcessEnv;
}

function check(result: RunResult, what: string): RunResult {
    if (result.code !== 0)
        throw new Error(`${what} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n")}`);
    return result;
}

/** A throwaway passphrase for the local backend's secrets (it is in the report on purpose). */
export function generatedPassphrase(): string {
    return `rehearsal-${randomBytes(16).toString("hex")}`;
}

/** PATH with the built tools first: the kubernetes provider, kubectl (kwokctl needs the new one) and pulumi. */
export function commandEnv(tools: Tools, l: Layout, passphrase: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${tools.bin}${path.delimiter}${process.env.PATH ?? ""}`,
        KUBECONFIG: l.kubeconfig,
        KUBECTL: tools.path.kubectl,
        PULUMI_HOME: l.pulumiHome,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        // Rollback worktrees and every other temporary file stay inside DIR.
        TMPDIR: l.tmp,
        NO_COLOR: "1",
        ...extra,
    };
}

/** `git clone` of this repository's HEAD into DIR/work/project, on a branch of its own, node_modules linked. */
export async function makeProjectCopy(repoRoot: string, l: Layout, procs: ProcessGroup, logFile: string): Promise<{ commit: string; uncommitted: string[] }> {
    const git = (args: string[], cwd = repoRoot) => procs.run("git", args, { cwd, logFile, timeoutMs: 300_000 });
    const commit = check(await git(["rev-parse", "HEAD"]), "git rev-parse HEAD").stdout.trim();
    const uncommitted = check(await git(["status", "--porcelain"]), "git status")
        .stdout.split("\n")
        .filter(Boolean)
        .map((s) => s.slice(3));
    fs.mkdirSync(path.dirname(l.copy), { recursive: true });
    check(await git(["clone", "--quiet", "--no-hardlinks", "--no-checkout", repoRoot, l.copy]), "git clone");
    check(await git(["checkout", "--quiet", "-B", "rehearsal", commit], l.copy), "git checkout");
    check(await git(["config", "user.name", "ologywood rehearsal"], l.copy), "git config");
    check(await git(["config", "user.email", "rehearsal@ologywood.invalid"], l.copy), "git config");
    fs.symlinkSync(fs.realpathSync(path.join(repoRoot, "node_modules")), path.join(l.copy, "node_modules"), "dir");
    return { commit, uncommitted };
}

/** Logs in to the file backend, makes the stacks and writes their settings and secrets. */
export async function initBackend(tools: Tools, l: Layout, procs: ProcessGroup, logFile: string, passphrase: string, stacks: StackSettings[]): Promise<void> {
    for (const dir of [l.backend, l.pulumiHome, l.tmp]) fs.mkdirSync(dir, { recursive: true });
    const env = commandEnv(tools, l, passphrase);
    const pulumi = (args: string[], input?: string) => procs.run(tools.path.pulumi, args, { cwd: l.copy, env, logFile, input, timeoutMs: 120_000 });
    check(await pulumi(["login", `file://${l.backend}`]), "pulumi login");
    for (const s of stacks) {
        check(await pulumi(["stack", "init", s.stack, "--non-interactive"]), `pulumi stack init ${s.stack}`);
        for (const [key, value] of s.plain) {
            check(await pulumi(["config", "set", "--path", "--stack", s.stack, `ologywood:${key}`, value]), `pulumi config set ologywood:${key} (${s.stack})`);
        }
        for (const [key, value] of s.secrets) {
            // The value on stdin: a command line is visible to every user of the machine (ps).
            check(
                await pulumi(["config", "set", "--secret", "--path", "--stack", s.stack, `ologywood:${key}`], value),
                `pulumi config set --secret ologywood:${key} (${s.stack})`,
            );
        }
    }
}
