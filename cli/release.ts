/**
 * `npm run release -- --image-tag <tag> [--stacks staging,prod] [--report FILE] [--allow-dirty]`
 * and the plan's announcements:
 * `npm run release -- --announce day-before|hour-before --image-tag <tag> [--stacks ...] [--at WHEN] [--note TEXT ...]`.
 * Thin: checks every argument locally (tag, stacks and their order, token, report path) and
 * reports all problems at once before the Pulumi CLI is asked anything, then calls runRelease.
 */
import * as path from "path";
import { THRESHOLDS } from "../metrics/contract";
import { ConfigError } from "../config/load";
import { imageTagProblem } from "../config/schema";
import { Log } from "../pipeline/checks";
import { dayBefore, hourBefore } from "../pipeline/messages";
import { RELEASE_EXIT, ReleaseDeps, runRelease } from "../pipeline/release";
import { configKey, fetchStackConfig } from "../pipeline/stack-config";
import { readStackConfig } from "../render/stack-file";
import { EXIT, FlagValue, REPO_ROOT, UsageError, availableStacks, consoleOutput, describeError, exitCodeHelp, exitWhenDone, runCommand } from "./frame";
import { checkReportFile, writeReportFile } from "./output-files";
import { Redactor } from "./redact";
import { tokenArg } from "./smoke";

/** The `kind` of the report: an earlier release report may be overwritten, nothing else. */
export const REPORT_KIND = "ologywood-release";

export const USAGE = [
    "Usage: TEST_TOKEN=... npm run -s release -- --image-tag <tag> [--stacks staging,prod] [--report FILE] [--allow-dirty]",
    "       npm run release -- --announce day-before|hour-before --image-tag <tag> [--stacks staging,prod] [--at WHEN] [--note TEXT ...]",
    "",
    "  --image-tag    the version to deploy (a semver such as 1.4.2, or a git sha; never 'latest')",
    "  --stacks       stacks in order (default staging,prod); a stack starts only when the previous one passed",
    "  --allow-production-first",
    "                 release a production tier stack before, or without, a staging tier stack",
    "  --report       write a JSON report: each step's start, end, outcome and figures (an existing file is",
    "                 replaced only when it is an earlier release report)",
    "  --token        smoke/load test token; default $TEST_TOKEN, which is better (npm echoes the command line)",
    "  --allow-dirty  release with uncommitted program changes (such updates cannot be rolled back to)",
    "  --announce     send the plan's day-before or hour-before announcement instead of releasing",
    '  --at           when, for the day-before announcement (default "Tomorrow")',
    "  --note         a line for the announcement (repeatable)",
    "  --verbose      show the details of unexpected errors",
    "",
    exitCodeHelp({
        ok: "every stack released and passed every gate (or the announcement was delivered)",
        failed: "a stack failed a gate and was rolled back, or stopped before its update; later stacks untouched; or an announcement was not delivered",
        refused: "refused before any change: bad arguments, invalid config, Pulumi CLI missing, uncommitted changes, no token",
        actNow: "a stack failed and its rollback failed too, or its state is unknown: act now (npm run rollback -- <stack>)",
    }),
].join("\n");

export interface ReleaseCliDeps {
    repoRoot: string;
    env: NodeJS.ProcessEnv;
    out: Log;
    err: Log;
    /** Builds the pipeline's dependencies; the real one throws when the Pulumi CLI is missing. */
    makeDeps: (log: Log, redactor: Redactor) => ReleaseDeps;
}

interface ReleaseArgs {
    imageTag: string;
    stacks: string[];
    report?: string;
    token?: string;
    allowDirty: boolean;
    announce?: "day-before" | "hour-before";
    at: string;
    notes: string[];
}

export async function main(argv: string[], cli: ReleaseCliDeps): Promise<number> {
    const redactor = new Redactor();
    const io = { out: redactor.wrap(cli.out), err: redactor.wrap(cli.err) };
    return runCommand<ReleaseArgs>(
        {
            name: "release",
            usage: USAGE,
            flags: {
                "image-tag": "string",
                stacks: "string",
                report: "string",
                token: "string",
                "allow-dirty": "boolean",
                "allow-production-first": "boolean",
                announce: "string",
                at: "string",
                note: "list",
            },
            parse: ({ flags, positionals }) => parseRelease(flags, positionals, cli),
            run: async (args) => {
                redactor.add(args.token);
                let deps: ReleaseDeps;
                try {
                    deps = cli.makeDeps(io.out, redactor);
                } catch (e) {
                    io.err(`release: error: ${(e as Error).message}`);
                    if (args.report)
                        writeReportFile(
                            args.report,
                            REPORT_KIND,
                            { imageTag: args.imageTag, outcome: "refused", exitCode: RELEASE_EXIT.refused, reason: (e as Error).message },
                            (t) => redactor.redact(t),
                        );
                    return RELEASE_EXIT.refused;
                }
                if (args.announce) return announce(deps, args, io.out, io.err);

                const report = await runRelease(deps, { imageTag: args.imageTag, stacks: args.stacks, token: args.token, allowDirty: args.allowDirty });
                if (args.report) {
                    const file = writeReportFile(args.report, REPORT_KIND, report, (t) => redactor.redact(t));
                    io.out(`report written to ${path.relative(process.cwd(), file)}`);
                }
                if (report.exitCode !== RELEASE_EXIT.ok)
                    io.err(
                        `release ${report.outcome}${report.failure ? ` at ${report.failure.stack ?? ""} ${report.failure.step}: ${report.failure.reason.split("\n")[0]}` : ""}`,
                    );
                return report.exitCode;
            },
            // Whatever went wrong, a stack may have been touched: say so with the code that asks for a person.
            unexpectedExit: EXIT.actNow,
        },
        argv,
        io,
    );
}

/** Every argument problem at once (tag, stacks, order, token, report), before the Pulumi CLI is asked anything. */
function parseRelease(flags: Record<string, FlagValue>, positionals: string[], cli: ReleaseCliDeps): ReleaseArgs {
    const problems: string[] = [];
    const attempt = <T>(check: () => T): T | undefined => {
        try {
            return check();
        } catch (e) {
            if (!(e instanceof UsageError)) throw e;
            problems.push(e.message);
            return undefined;
        }
    };
    if (positionals.length > 0) problems.push(`unexpected argument '${positionals[0]}'`);
    const imageTag = flags["image-tag"] as string | undefined;
    if (!imageTag) problems.push("--image-tag is required (the version to deploy, e.g. 1.4.2)");
    else {
        const problem = imageTagProblem(imageTag);
        if (problem) problems.push(`--image-tag '${imageTag}': ${problem}`);
    }
    const known = availableStacks(cli.repoRoot);
    const stacks = ((flags.stacks as string | undefined) ?? "staging,prod")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const unknown = stacks.filter((s) => !known.includes(s));
    if (stacks.length === 0) problems.push("--stacks needs at least one stack");
    else if (unknown.length > 0)
        problems.push(`--stacks: no stack '${unknown[0]}' (there is no Pulumi.${unknown[0]}.yaml); expected some of: ${known.join(", ")}`);
    else if (new Set(stacks).size !== stacks.length) problems.push("--stacks names a stack twice");
    else if (!flags["allow-production-first"] && flags.announce === undefined) {
        const problem = productionFirstProblem(stacks, cli.repoRoot);
        if (problem) problems.push(problem);
    }
    const announceFlag = flags.announce as string | undefined;
    if (announceFlag !== undefined && announceFlag !== "day-before" && announceFlag !== "hour-before") {
        problems.push(`--announce expects day-before or hour-before, got '${announceFlag}'`);
    }
    const token = attempt(() => tokenArg(flags.token, cli.env));
    if (!announceFlag && token === undefined && !problems.some((p) => p.includes("TEST_TOKEN"))) {
        problems.push("no smoke test token: set TEST_TOKEN (the smoke and load tests call the booking API with it)");
    }
    const report = flags.report as string | undefined;
    if (report !== undefined) attempt(() => checkReportFile(report, REPORT_KIND));
    if (problems.length > 0)
        throw new UsageError(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return {
        imageTag: imageTag!,
        stacks,
        report,
        token,
        allowDirty: Boolean(flags["allow-dirty"]),
        announce: announceFlag as ReleaseArgs["announce"],
        at: (flags.at as string | undefined) ?? "Tomorrow",
        notes: (flags.note as string[] | undefined) ?? [],
    };
}

/**
 * A production tier stack goes after a staging tier stack has passed: first, or alone, it would
 * meet the new version untested. Tiers come from the stack files (never from the stack's name).
 */
function productionFirstProblem(stacks: string[], repoRoot: string): string | undefined {
    const tierOf = (stack: string) => String(readStackConfig(repoRoot, stack).raw.tier ?? "");
    const firstStaging = stacks.findIndex((s) => tierOf(s) === "staging");
    const early = stacks.filter((s, i) => tierOf(s) === "production" && (firstStaging < 0 || i < firstStaging));
    if (early.length === 0) return undefined;
    return (
        `--stacks ${stacks.join(",")}: the production tier stack ${early[0]} would be released ${firstStaging < 0 ? "without" : "before"} a staging tier stack; ` +
        "put a staging stack first (e.g. --stacks staging,prod), or pass --allow-production-first if you mean it (a hotfix already tested elsewhere)"
    );
}

/** The plan's day-before and hour-before messages, once per distinct channel of the stacks; exit 1 when one was not delivered. */
async function announce(deps: ReleaseDeps, c: ReleaseArgs, out: Log, err: Log): Promise<number> {
    const configs = [];
    for (const stack of c.stacks) {
        try {
            configs.push({ stack, config: (await fetchStackConfig(deps.driver, stack, { [configKey("imageTag")]: c.imageTag })).config });
        } catch (e) {
            err(`release: error: ${e instanceof ConfigError ? e.message : describeError(e, false)}`);
            return RELEASE_EXIT.refused;
        }
    }
    const message =
        c.announce === "day-before"
            ? dayBefore(
                  c.imageTag,
                  c.at,
                  configs.map(({ stack, config }) => ({
                      stack,
                      loadTest: config.release.loadTest,
                      loadTestSeconds: THRESHOLDS.loadTest.durationSeconds,
                      bakeSeconds: config.release.bakeSeconds,
                  })),
                  c.notes,
              )
            : hourBefore(c.imageTag);
    const seen = new Set<string>();
    let undelivered = 0;
    for (const { stack, config } of configs) {
        const key = config.slack.webhookUrl ?? "print";
        if (seen.has(key)) continue;
        seen.add(key);
        deps.redactor?.add(config.slack.webhookUrl);
        const d = await deps.notifierFor(config, out).send(message);
        if (d.via !== "printed" && !d.delivered) {
            undelivered++;
            err(`${c.announce} announcement for ${stack}: NOT delivered (${d.detail})`);
        } else {
            out(`${c.announce} announcement for ${stack}: ${d.via === "printed" ? "printed (no webhook)" : "sent"}`);
        }
    }
    return undelivered > 0 ? EXIT.failed : EXIT.ok;
}

if (require.main === module) {
    // Loaded here: --help and usage errors answer without loading the Automation API.
    const { realDeps } = require("./real") as typeof import("./real");
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, env: process.env, makeDeps: realDeps }));
}
