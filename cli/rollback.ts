/**
 * `npm run rollback -- <stack> [--to <update|version>] [--maintenance] [--report FILE]`: the
 * plan's "Immediate Rollback (< 5 minutes)", by hand: redeploys the stack with the program and
 * config of its last good update (or the one given), maintenance page first when asked or when
 * /health already fails. Thin: checks the arguments and calls manualRollback (pipeline/rollback.ts).
 */
import * as path from "path";
import { imageTagProblem } from "../config/schema";
import { Log } from "../pipeline/checks";
import { ReleaseDeps } from "../pipeline/release";
import { Progress } from "../pipeline/report";
import { DATA_NOTE, manualRollback } from "../pipeline/rollback";
import { EXIT, REPO_ROOT, UsageError, consoleOutput, describeError, exitCodeHelp, exitWhenDone, runCommand, stackArg } from "./frame";
import { checkReportFile, writeReportFile } from "./output-files";
import { Redactor } from "./redact";

/** The `kind` of the report: an earlier rollback report may be overwritten, nothing else. */
export const REPORT_KIND = "ologywood-rollback";

export const USAGE = [
    "Usage: npm run rollback -- <stack> [--to <update|version>] [--maintenance] [--report FILE]",
    "",
    "  <stack>        the stack to roll back",
    "  --to           an update number from `pulumi stack history` (41 or #41) or a released version (1.4.1);",
    "                 default: the last successful update that runs another version or program than now",
    "  --maintenance  turn the maintenance page on first (automatic when /health already fails)",
    "  --report       write a JSON report of the steps (an existing file is replaced only when it is an",
    "                 earlier rollback report)",
    "  --verbose      show the details of unexpected errors",
    "",
    DATA_NOTE,
    "",
    exitCodeHelp({
        ok: "rolled back and healthy",
        refused: "bad usage, or refused with nothing changed: no such target, no earlier good update, invalid config, Pulumi CLI missing",
        actNow: "the rollback started and did not finish healthy: the stack needs a person now",
    }),
].join("\n");

export interface RollbackCliDeps {
    repoRoot: string;
    out: Log;
    err: Log;
    makeDeps: (log: Log, redactor: Redactor) => ReleaseDeps;
}

interface RollbackArgs {
    stack: string;
    to?: string;
    maintenance: boolean;
    report?: string;
    verbose: boolean;
}

/** `--to`: an update number (41, #41) or a deployable version (the image tag rule). */
export function rollbackTarget(to: string): string {
    if (/^#?\d+$/.test(to.trim())) return to.trim();
    const problem = imageTagProblem(to);
    if (problem) throw new UsageError(`--to '${to}': expected an update number (41 or #41) or a released version; as a version, ${problem}`);
    return to;
}

export async function main(argv: string[], cli: RollbackCliDeps): Promise<number> {
    const redactor = new Redactor();
    const io = { out: redactor.wrap(cli.out), err: redactor.wrap(cli.err) };
    return runCommand<RollbackArgs>(
        {
            name: "rollback",
            usage: USAGE,
            flags: { to: "string", maintenance: "boolean", report: "string" },
            parse: ({ flags, positionals }, verbose) => {
                if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
                const stack = stackArg(positionals[0], cli.repoRoot);
                const to = flags.to === undefined ? undefined : rollbackTarget(flags.to as string);
                const report = flags.report as string | undefined;
                if (report !== undefined) checkReportFile(report, REPORT_KIND);
                return { stack, to, maintenance: Boolean(flags.maintenance), report, verbose };
            },
            run: async ({ stack, to, maintenance, report, verbose }) => {
                let deps: ReleaseDeps;
                try {
                    deps = cli.makeDeps(io.out, redactor);
                } catch (e) {
                    io.err(`rollback: error: ${(e as Error).message}`);
                    return EXIT.refused;
                }
                const progress = new Progress(deps.clock, io.out);
                progress.line(stack, `rollback of ${stack}${to ? ` to ${to}` : ""}`);
                let code: number;
                let result;
                try {
                    result = await manualRollback({ ...deps, progress }, { stack, to, maintenance });
                    code = result.outcome === "rolled-back" ? EXIT.ok : result.outcome === "refused" ? EXIT.refused : EXIT.actNow;
                    if (result.outcome !== "rolled-back") io.err(`rollback ${result.outcome}: ${result.reason}`);
                } catch (e) {
                    // Before the target was chosen (config, history): nothing was changed.
                    io.err(`rollback: error: ${describeError(e, verbose)}\nNothing was changed.`);
                    code = EXIT.refused;
                }
                if (report) {
                    const file = writeReportFile(
                        report,
                        REPORT_KIND,
                        { stack, exitCode: code, rollback: result, steps: progress.steps, notifications: progress.notifications },
                        (t) => redactor.redact(t),
                    );
                    io.out(`report written to ${path.relative(process.cwd(), file)}`);
                }
                return code;
            },
            unexpectedExit: EXIT.actNow,
        },
        argv,
        io,
    );
}

if (require.main === module) {
    const { realDeps } = require("./real") as typeof import("./real");
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, makeDeps: realDeps }));
}
