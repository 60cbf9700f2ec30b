/**
 * `npm run db:restore -- <stack> --backup <file>`: the deployment plan's database rollback in one
 * command. Thin: checks the arguments and the Pulumi CLI, then hands over to restoreDatabase
 * (pipeline/db-restore.ts), which is tested step by step with FakeDriver.
 */
import { Log } from "../pipeline/checks";
import { RestoreRefusedError, RestoreStepError, STEPS, checkRequest, defaultRequestId, restoreDatabase } from "../pipeline/db-restore";
import { StackDriver } from "../pipeline/drivers/driver";
import { EXIT, REPO_ROOT, UsageError, availableStacks, consoleOutput, describeError, exitCodeHelp, exitWhenDone, runCommand, stackArg } from "./frame";
import { createAutomationDriver } from "./real";

export interface CliDeps {
    repoRoot: string;
    /** The real driver checks for the Pulumi CLI here and throws when it is missing. */
    createDriver: (repoRoot: string) => StackDriver;
    out: Log;
    err: Log;
    /** The clock that names the request (and so the restore Job). */
    now?: () => Date;
}

export function usage(stacks: string[]): string {
    return [
        "Usage: npm run db:restore -- <stack> --backup <file>",
        "",
        `  <stack>          the stack whose database to restore: ${stacks.join(", ") || "(no Pulumi.<stack>.yaml found)"}`,
        "  --backup <file>  a backup in the stack's backup volume, e.g. ologywood_prod_pre_deployment_20260125T140000Z.dump",
        "",
        `Steps, each a \`pulumi up\` (needs the Pulumi CLI, logged in): ${STEPS.join(", ")}.`,
        "A failed step stops the command; it says which step, the state of the stack and what to run next.",
        exitCodeHelp({
            ok: "restored and verified, workloads back, maintenance page off",
            refused: "wrong arguments, or stopped before changing anything (Pulumi CLI missing, bad backup name, invalid stack config, ...)",
            actNow: "a step failed after earlier steps changed the stack: follow the printed instructions",
        }),
    ].join("\n");
}

export async function main(argv: string[], deps: CliDeps): Promise<number> {
    const { out, err } = deps;
    let started = Date.now();
    const took = () => `(after ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    return runCommand<{ stack: string; backup: string; verbose: boolean }>(
        {
            name: "db:restore",
            usage: usage(availableStacks(deps.repoRoot)),
            flags: { backup: "string" },
            parse: ({ flags, positionals }, verbose) => {
                const [stackName, ...extra] = positionals;
                const stack = stackArg(stackName, deps.repoRoot);
                if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'; this command takes <stack> and --backup <file>`);
                const backup = flags.backup as string | undefined;
                if (!backup) throw new UsageError("missing option --backup <file>: which backup to restore");
                try {
                    // The backup's name is checked here, before the Pulumi CLI is asked anything.
                    checkRequest({ stack, backup, requestId: defaultRequestId(deps.now?.() ?? new Date()) });
                } catch (e) {
                    if (e instanceof RestoreRefusedError) throw new UsageError(e.message);
                    throw e;
                }
                return { stack, backup, verbose };
            },
            run: async ({ stack, backup, verbose }) => {
                started = Date.now();
                try {
                    const driver = deps.createDriver(deps.repoRoot);
                    const requestId = defaultRequestId(deps.now?.() ?? new Date());
                    const result = await restoreDatabase(driver, { stack, backup, requestId, log: out });
                    out(`restored ${result.stack} from ${result.backup} (Job ${result.job}) ${took()}`);
                    return EXIT.ok;
                } catch (e) {
                    if (e instanceof RestoreStepError) {
                        err(`db:restore: error: ${describeError(e, verbose)}\n${took()}`);
                        return EXIT.actNow;
                    }
                    const message = describeError(e, verbose);
                    const unchanged = /Nothing was changed/.test(message) ? "" : "\nNothing was changed.";
                    err(`db:restore: error: ${message}${unchanged}\n${took()}`);
                    return EXIT.refused;
                }
            },
        },
        argv,
        { out, err },
    );
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, createDriver: createAutomationDriver }));
}
