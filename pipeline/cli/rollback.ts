/**
 * `npm run rollback -- <stack> [--to <update|version>] [--maintenance] [--report FILE]`: the
 * plan's "Immediate Rollback (< 5 minutes)", by hand: redeploys the stack with the program and
 * config of its last good update (or the one given), maintenance page first when asked or when
 * /health already fails. Thin: parses flags and calls manualRollback (pipeline/rollback.ts).
 */
import { REPO_ROOT, consoleOutput, exitWhenDone } from "./command";
import { availableStacks } from "../../render/stack-file";
import { Log } from "../checks";
import { Redactor } from "../redact";
import { ReleaseDeps } from "../release";
import { Progress, writeReport } from "../report";
import { DATA_NOTE, manualRollback } from "../rollback";
import { parseArgs, UsageError } from "./args";

export const EXIT = {
    /** Rolled back, and /health answers 200. */
    ok: 0,
    /** Nothing was changed: no such target, no earlier good update, invalid config, Pulumi CLI missing. */
    refused: 1,
    usage: 2,
    /** The rollback started and did not finish healthy: the stack needs a person now. */
    failed: 3,
} as const;

export const USAGE = [
    "Usage: npm run rollback -- <stack> [--to <update|version>] [--maintenance] [--report FILE]",
    "",
    "  <stack>        the stack to roll back",
    "  --to           an update number from `pulumi stack history` (41 or #41) or a released version (1.4.1);",
    "                 default: the last successful update that runs another version or program than now",
    "  --maintenance  turn the maintenance page on first (automatic when /health already fails)",
    "  --report       write a JSON report of the steps",
    "",
    DATA_NOTE,
    "",
    `Exit codes: ${EXIT.ok} rolled back and healthy, ${EXIT.refused} refused (nothing changed), ${EXIT.usage} bad usage, ${EXIT.failed} the rollback failed (act now).`,
].join("\n");

export interface RollbackCliDeps {
    repoRoot: string;
    out: Log;
    err: Log;
    makeDeps: (log: Log, redactor: Redactor) => ReleaseDeps;
}

export async function main(argv: string[], cli: RollbackCliDeps): Promise<number> {
    const redactor = new Redactor();
    const out = redactor.wrap(cli.out);
    const err = redactor.wrap(cli.err);
    let stack: string;
    let flags;
    try {
        const parsed = parseArgs(argv, { to: "string", maintenance: "boolean", report: "string", help: "boolean" });
        flags = parsed.flags;
        if (flags.help) {
            out(USAGE);
            return EXIT.ok;
        }
        const known = availableStacks(cli.repoRoot);
        if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? `missing <stack>; expected one of: ${known.join(", ")}` : `unexpected argument '${parsed.positionals[1]}'`);
        stack = parsed.positionals[0];
        if (!known.includes(stack)) throw new UsageError(`no stack '${stack}' (there is no Pulumi.${stack}.yaml); expected one of: ${known.join(", ")}`);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`error: ${e.message}\n\n${USAGE}`);
        return EXIT.usage;
    }
    let deps: ReleaseDeps;
    try {
        deps = cli.makeDeps(out, redactor);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return EXIT.refused;
    }
    const progress = new Progress(deps.clock, out);
    progress.line(stack, `rollback of ${stack}${flags.to ? ` to ${flags.to}` : ""}`);
    let code: number;
    let result;
    try {
        result = await manualRollback({ ...deps, progress }, { stack, to: flags.to as string | undefined, maintenance: Boolean(flags.maintenance) });
        code = result.outcome === "rolled-back" ? EXIT.ok : result.outcome === "refused" ? EXIT.refused : EXIT.failed;
        if (result.outcome !== "rolled-back") err(`rollback ${result.outcome}: ${result.reason}`);
    } catch (e) {
        // Before the target was chosen (config, history): nothing was changed.
        err(`error: ${(e as Error).message}\nNothing was changed.`);
        code = EXIT.refused;
    }
    if (flags.report) {
        writeReport(flags.report as string, redactor.redact(JSON.stringify({ stack, exitCode: code, rollback: result, steps: progress.steps, notifications: progress.notifications }, null, 2)));
        out(`report written to ${flags.report}`);
    }
    return code;
}

if (require.main === module) {
    const { realDeps } = require("./real") as typeof import("./real");
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, makeDeps: realDeps }));
}
