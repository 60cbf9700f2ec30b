/**
 * `npm run db:restore -- <stack> --backup <file>`: the deployment plan's database rollback in one
 * command. Thin: checks the arguments and the Pulumi CLI, then hands over to restoreDatabase
 * (pipeline/db-restore.ts), which is tested step by step with FakeDriver. Exit codes below.
 */
import { REPO_ROOT, answerHelpOrUsage, consoleOutput, createAutomationDriver, exitWhenDone } from "./command";
import { ConfigRemovingDriver } from "../drivers/driver";
import { RestoreRefusedError, RestoreStepError, STEPS, defaultRequestId, restoreDatabase } from "../db-restore";
import { Log } from "../maintenance";
import { knownStacks } from "./maintenance";

export const EXIT = {
    /** Restored, verified, workloads back, maintenance page off. */
    ok: 0,
    /** Stopped before changing anything: Pulumi CLI missing, bad backup name, invalid stack config, ... */
    refused: 1,
    /** Wrong arguments. */
    usage: 2,
    /** A step failed after others changed the stack: the message says which, the state, and what to do. */
    stepFailed: 3,
} as const;

export interface CliDeps {
    repoRoot: string;
    /** The real driver checks for the Pulumi CLI here and throws when it is missing. */
    createDriver: (repoRoot: string) => ConfigRemovingDriver;
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
        "Exit codes:",
        `  ${EXIT.ok}  restored and verified, workloads back, maintenance page off`,
        `  ${EXIT.refused}  stopped before changing anything (Pulumi CLI missing, bad backup name, invalid stack config, ...)`,
        `  ${EXIT.usage}  wrong arguments`,
        `  ${EXIT.stepFailed}  a step failed after earlier steps changed the stack: follow the printed instructions`,
    ].join("\n");
}

type Parsed = { help: true } | { stack: string; backup: string } | { error: string };

export function parseArgs(argv: string[], stacks: string[]): Parsed {
    if (argv.some((a) => a === "-h" || a === "--help")) return { help: true };
    const positional: string[] = [];
    let backup: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--backup") {
            backup = argv[++i];
            if (backup === undefined || backup.startsWith("-")) return { error: "option --backup needs a value: the backup's file name" };
        } else if (a.startsWith("--backup=")) {
            backup = a.slice("--backup=".length);
        } else if (a.startsWith("-")) {
            return { error: `unknown option '${a}'; this command takes <stack> and --backup <file>` };
        } else {
            positional.push(a);
        }
    }
    const expected = `expected one of: ${stacks.join(", ")}`;
    const [stack, ...extra] = positional;
    if (stack === undefined) return { error: `missing argument <stack>; ${expected}` };
    if (!stacks.includes(stack)) return { error: `argument <stack>: no stack '${stack}' (there is no Pulumi.${stack}.yaml); ${expected}` };
    if (extra.length > 0) return { error: `unexpected argument '${extra[0]}'; this command takes <stack> and --backup <file>` };
    if (!backup) return { error: "missing option --backup <file>: which backup to restore" };
    return { stack, backup };
}

export async function main(argv: string[], deps: CliDeps): Promise<number> {
    const { out, err } = deps;
    const stacks = knownStacks(deps.repoRoot);
    const args = parseArgs(argv, stacks);
    if ("help" in args || "error" in args) return answerHelpOrUsage(args, usage(stacks), deps);
    const started = Date.now();
    const took = () => `(after ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    try {
        const driver = deps.createDriver(deps.repoRoot);
        const requestId = defaultRequestId(deps.now?.() ?? new Date());
        const result = await restoreDatabase(driver, { stack: args.stack, backup: args.backup, requestId, log: out });
        out(`restored ${result.stack} from ${result.backup} (Job ${result.job}) ${took()}`);
        return EXIT.ok;
    } catch (e) {
        if (e instanceof RestoreStepError) {
            err(`error: ${e.message}\n${took()}`);
            return EXIT.stepFailed;
        }
        const message = e instanceof Error ? e.message : String(e);
        const unchanged = e instanceof RestoreRefusedError || /Nothing was changed/.test(message) ? "" : "\nNothing was changed.";
        err(`error: ${message}${unchanged}\n${took()}`);
        return EXIT.refused;
    }
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, createDriver: createAutomationDriver }));
}
