/**
 * `npm run release -- --image-tag <tag> [--stacks staging,prod] [--report FILE] [--token T] [--allow-dirty]`
 * and the plan's announcements:
 * `npm run release -- --announce day-before|hour-before --image-tag <tag> [--stacks ...] [--at WHEN] [--note TEXT ...]`.
 * Thin: parses flags, builds the real dependencies, calls runRelease (pipeline/release.ts).
 */
import { REPO_ROOT, consoleOutput, exitWhenDone } from "./command";
import { ConfigError } from "../../config/load";
import { availableStacks } from "../../render/stack-file";
import { Log } from "../checks";
import { dayBefore, hourBefore } from "../messages";
import { Redactor } from "../redact";
import { RELEASE_EXIT, ReleaseDeps, runRelease } from "../release";
import { writeReport } from "../report";
import { fetchStackConfig } from "../stack-config";
import { THRESHOLDS } from "../../metrics/contract";
import { parseArgs, UsageError } from "./args";

export const USAGE = [
    "Usage: npm run release -- --image-tag <tag> [--stacks staging,prod] [--report FILE] [--token T] [--allow-dirty]",
    "       npm run release -- --announce day-before|hour-before --image-tag <tag> [--stacks staging,prod] [--at WHEN] [--note TEXT ...]",
    "",
    "  --image-tag    the version to deploy (a semver or a git sha)",
    "  --stacks       stacks in order (default staging,prod); a stack starts only when the previous one passed",
    "  --report       write a JSON report: each step's start, end, outcome and figures",
    "  --token        smoke/load test token (default: $TEST_TOKEN); never printed",
    "  --allow-dirty  release with uncommitted program changes (such updates cannot be rolled back to)",
    "  --announce     send the plan's day-before or hour-before announcement instead of releasing",
    "  --at           when, for the day-before announcement (default \"Tomorrow\")",
    "  --note         a line for the announcement (repeatable)",
    "",
    "Exit codes:",
    `  ${RELEASE_EXIT.ok}  every stack released and passed every gate (or the announcement was sent)`,
    `  ${RELEASE_EXIT.failed}  a stack failed a gate and was rolled back, or stopped before any change; later stacks untouched`,
    `  ${RELEASE_EXIT.refused}  refused before any change: bad usage, invalid config, Pulumi CLI missing, uncommitted changes, no token`,
    `  ${RELEASE_EXIT.rollbackFailed}  a stack failed and its rollback failed too: act now (npm run rollback -- <stack>)`,
].join("\n");

export interface ReleaseCliDeps {
    repoRoot: string;
    env: NodeJS.ProcessEnv;
    out: Log;
    err: Log;
    /** Builds the pipeline's dependencies; the real one throws when the Pulumi CLI is missing. */
    makeDeps: (log: Log, redactor: Redactor) => ReleaseDeps;
}

export async function main(argv: string[], cli: ReleaseCliDeps): Promise<number> {
    const redactor = new Redactor();
    const out = redactor.wrap(cli.out);
    const err = redactor.wrap(cli.err);
    let parsed;
    try {
        parsed = parseCommand(argv, availableStacks(cli.repoRoot), cli.env);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`error: ${e.message}\n\n${USAGE}`);
        return RELEASE_EXIT.refused;
    }
    if ("help" in parsed) {
        out(USAGE);
        return RELEASE_EXIT.ok;
    }
    redactor.add(parsed.token);
    let deps: ReleaseDeps;
    try {
        deps = cli.makeDeps(out, redactor);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        if (parsed.report) writeReport(parsed.report, JSON.stringify({ imageTag: parsed.imageTag, outcome: "refused", exitCode: RELEASE_EXIT.refused, reason: (e as Error).message }, null, 2));
        return RELEASE_EXIT.refused;
    }
    if (parsed.announce) return announce(deps, parsed, out, err);

    const report = await runRelease(deps, { imageTag: parsed.imageTag, stacks: parsed.stacks, token: parsed.token, allowDirty: parsed.allowDirty });
    if (parsed.report) {
        writeReport(parsed.report, redactor.redact(JSON.stringify(report, null, 2)));
        out(`report written to ${parsed.report}`);
    }
    if (report.exitCode !== RELEASE_EXIT.ok) err(`release ${report.outcome}${report.failure ? ` at ${report.failure.stack ?? ""} ${report.failure.step}: ${report.failure.reason.split("\n")[0]}` : ""}`);
    return report.exitCode;
}

interface Command {
    imageTag: string;
    stacks: string[];
    report?: string;
    token?: string;
    allowDirty: boolean;
    announce?: "day-before" | "hour-before";
    at: string;
    notes: string[];
}

function parseCommand(argv: string[], known: string[], env: NodeJS.ProcessEnv): Command | { help: true } {
    const { flags, positionals } = parseArgs(argv, {
        "image-tag": "string", stacks: "string", report: "string", token: "string", "allow-dirty": "boolean",
        announce: "string", at: "string", note: "list", help: "boolean",
    });
    if (flags.help) return { help: true };
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const imageTag = flags["image-tag"] as string | undefined;
    if (!imageTag) throw new UsageError("--image-tag is required (the version to deploy, e.g. 1.4.2)");
    const stacks = ((flags.stacks as string | undefined) ?? "staging,prod").split(",").map((s) => s.trim()).filter(Boolean);
    if (stacks.length === 0) throw new UsageError("--stacks needs at least one stack");
    const unknown = stacks.filter((s) => !known.includes(s));
    if (unknown.length > 0) throw new UsageError(`--stacks: no stack '${unknown[0]}' (there is no Pulumi.${unknown[0]}.yaml); expected some of: ${known.join(", ")}`);
    if (new Set(stacks).size !== stacks.length) throw new UsageError("--stacks names a stack twice");
    const announce = flags.announce as string | undefined;
    if (announce !== undefined && announce !== "day-before" && announce !== "hour-before") {
        throw new UsageError(`--announce expects day-before or hour-before, got '${announce}'`);
    }
    return {
        imageTag, stacks, report: flags.report as string | undefined, token: (flags.token as string | undefined) ?? env.TEST_TOKEN,
        allowDirty: Boolean(flags["allow-dirty"]), announce, at: (flags.at as string | undefined) ?? "Tomorrow", notes: (flags.note as string[] | undefined) ?? [],
    };
}

/** The plan's day-before and hour-before messages, once per distinct channel of the stacks. */
async function announce(deps: ReleaseDeps, c: Command, out: Log, err: Log): Promise<number> {
    const configs = [];
    for (const stack of c.stacks) {
        try {
            configs.push({ stack, config: (await fetchStackConfig(deps.driver, stack, { "ologywood:imageTag": c.imageTag })).config });
        } catch (e) {
            err(`error: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
            return RELEASE_EXIT.refused;
        }
    }
    const message = c.announce === "day-before"
        ? dayBefore(c.imageTag, c.at, configs.map(({ stack, config }) => ({ stack, loadTest: config.release.loadTest, loadTestSeconds: THRESHOLDS.loadTest.durationSeconds, bakeSeconds: config.release.bakeSeconds })), c.notes)
        : hourBefore(c.imageTag);
    const seen = new Set<string>();
    for (const { stack, config } of configs) {
        const key = config.slack.webhookUrl ?? "print";
        if (seen.has(key)) continue;
        seen.add(key);
        deps.redactor?.add(config.slack.webhookUrl);
        const d = await deps.notifierFor(config, out).send(message);
        out(`${c.announce} announcement for ${stack}: ${d.via === "printed" ? "printed (no webhook)" : d.delivered ? "sent" : `NOT delivered (${d.detail})`}`);
    }
    return RELEASE_EXIT.ok;
}

if (require.main === module) {
    // Loaded here: --help and usage errors answer without loading the Automation API.
    const { realDeps } = require("./real") as typeof import("./real");
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, env: process.env, makeDeps: realDeps }));
}
