/**
 * `npm run maintenance -- <stack> on|off`: the on-call engineer's switch for the maintenance page.
 * Thin: checks the arguments, the stack file and the Pulumi CLI, validates the stack config with
 * the new value, then hands over to setMaintenance (pipeline/maintenance.ts). Exit codes below.
 */
import { REPO_ROOT, answerHelpOrUsage, consoleOutput, createAutomationDriver, exitWhenDone } from "./command";
import * as fs from "fs";
import { ConfigError, fromPulumiConfigMap, parseConfig } from "../../config/load";
import { StackDriver } from "../drivers/driver";
import { Log, MAINTENANCE_KEY, MaintenanceRefusedError, MaintenanceUpdateError, setMaintenance } from "../maintenance";

/** Exit codes, also printed by `--help` and documented in docs/maintenance.md. */
export const EXIT = {
    /** Maintenance mode is now in the requested state (changed, or already so). */
    ok: 0,
    /** Stopped before changing anything: Pulumi CLI missing, invalid stack config, update in progress, ... */
    refused: 1,
    /** Wrong arguments, including a stack without a Pulumi.<stack>.yaml. */
    usage: 2,
    /** The stack config holds the new value but `pulumi up` failed: the stack is between states. */
    updateFailed: 3,
} as const;

export interface CliDeps {
    /** Where Pulumi.yaml and the Pulumi.<stack>.yaml files are. */
    repoRoot: string;
    /** The real driver checks for the Pulumi CLI here and throws when it is missing. */
    createDriver: (repoRoot: string) => StackDriver;
    out: Log;
    err: Log;
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function usage(stacks: string[]): string {
    return [
        "Usage: npm run maintenance -- <stack> on|off",
        "",
        `  <stack>   the stack to switch: ${stacks.join(", ") || "(no Pulumi.<stack>.yaml found)"}`,
        "  on|off    on: the public host answers 503 with the maintenance page; off: it routes to the API again",
        "",
        `Sets ${MAINTENANCE_KEY} in the stack config and runs \`pulumi up\` (needs the Pulumi CLI, logged in).`,
        "Exit codes:",
        `  ${EXIT.ok}  done: maintenance mode is in the requested state (also when it already was)`,
        `  ${EXIT.refused}  stopped before changing anything (Pulumi CLI missing, invalid stack config, update in progress, ...)`,
        `  ${EXIT.usage}  wrong arguments`,
        `  ${EXIT.updateFailed}  the stack config holds the new value but \`pulumi up\` failed: run the printed retry or revert command`,
    ].join("\n");
}

/** The stacks of this project: one per Pulumi.<stack>.yaml next to Pulumi.yaml. */
export function knownStacks(repoRoot: string): string[] {
    return fs.readdirSync(repoRoot)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

type Parsed = { help: true } | { stack: string; on: boolean } | { error: string };

export function parseArgs(argv: string[], stacks: string[]): Parsed {
    if (argv.some((a) => a === "-h" || a === "--help")) return { help: true };
    const option = argv.find((a) => a.startsWith("-"));
    if (option) return { error: `unknown option '${option}'; this command takes only <stack> and on|off` };
    const [stack, mode, ...extra] = argv;
    const expectedStacks = `expected one of: ${stacks.join(", ")}`;
    if (stack === undefined) return { error: `missing argument <stack>; ${expectedStacks}` };
    if (!STACK_NAME.test(stack) || !stacks.includes(stack)) {
        return { error: `argument <stack>: no stack '${stack}' (there is no Pulumi.${stack}.yaml); ${expectedStacks}` };
    }
    if (mode === undefined) return { error: "missing argument on|off; expected 'on' or 'off'" };
    if (mode !== "on" && mode !== "off") return { error: `argument on|off: got '${mode}'; expected 'on' or 'off'` };
    if (extra.length > 0) return { error: `unexpected argument '${extra[0]}'; this command takes only <stack> and on|off` };
    return { stack, on: mode === "on" };
}

export async function main(argv: string[], deps: CliDeps): Promise<number> {
    const { out, err } = deps;
    const stacks = knownStacks(deps.repoRoot);
    const args = parseArgs(argv, stacks);
    if ("help" in args || "error" in args) return answerHelpOrUsage(args, usage(stacks), deps);
    const { stack, on } = args;
    const started = Date.now();
    try {
        const driver = deps.createDriver(deps.repoRoot);
        // Today's program will run with today's schema: check the config it will get before changing it.
        const config = await driver.getAllConfig(stack);
        const flat = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));
        const parsed = parseConfig(fromPulumiConfigMap({ ...flat, [MAINTENANCE_KEY]: String(on) }));
        if (!parsed.ok) throw new ConfigError(parsed.problems, `config of stack ${stack}`);
        await setMaintenance(driver, stack, on, out);
        return EXIT.ok;
    } catch (e) {
        const took = ((Date.now() - started) / 1000).toFixed(1);
        if (e instanceof MaintenanceUpdateError) {
            err(`error: ${e.message}\n(after ${took} s)`);
            return EXIT.updateFailed;
        }
        const message = e instanceof Error ? e.message : String(e);
        const unchanged = e instanceof MaintenanceRefusedError || /Nothing was changed/.test(message)
            ? "" : "\nNothing was changed: the failure came before the stack config was written.";
        err(`error: ${message}${unchanged}\n(after ${took} s)`);
        return EXIT.refused;
    }
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, repoRoot: REPO_ROOT, createDriver: createAutomationDriver }));
}
