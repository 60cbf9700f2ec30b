/**
 * `npm run maintenance -- <stack> on|off`: the on-call engineer's switch for the maintenance page.
 * Thin: checks the arguments, the stack file and the Pulumi CLI, validates the stack config with
 * the new value, then hands over to setMaintenance (pipeline/maintenance.ts).
 */
import { ConfigError, fromPulumiConfigMap, parseConfig } from "../config/load";
import { Log } from "../pipeline/checks";
import { StackDriver } from "../pipeline/drivers/driver";
import { MAINTENANCE_KEY, MaintenanceUpdateError, setMaintenance } from "../pipeline/maintenance";
import { EXIT, REPO_ROOT, UsageError, availableStacks, consoleOutput, describeError, exitCodeHelp, exitWhenDone, runCommand, stackArg } from "./frame";
import { createAutomationDriver } from "./real";

export interface CliDeps {
    /** Where Pulumi.yaml and the Pulumi.<stack>.yaml files are. */
    repoRoot: string;
    /** The real driver checks for the Pulumi CLI here and throws when it is missing. */
    createDriver: (repoRoot: string) => StackDriver;
    out: Log;
    err: Log;
}

export function usage(stacks: string[]): string {
    return [
        "Usage: npm run maintenance -- <stack> on|off",
        "",
        `  <stack>   the stack to switch: ${stacks.join(", ") || "(no Pulumi.<stack>.yaml found)"}`,
        "  on|off    on: the public host answers 503 with the maintenance page; off: it routes to the API again",
        "",
        `Sets ${MAINTENANCE_KEY} in the stack config and runs \`pulumi up\` (needs the Pulumi CLI, logged in).`,
        exitCodeHelp({
            ok: "done: maintenance mode is in the requested state (also when it already was)",
            refused: "wrong arguments, or stopped before changing anything (Pulumi CLI missing, invalid stack config, update in progress, ...)",
            actNow: "the stack config holds the new value but `pulumi up` failed: run the printed retry or revert command",
        }),
    ].join("\n");
}

export async function main(argv: string[], deps: CliDeps): Promise<number> {
    const { out, err } = deps;
    let started = Date.now();
    const took = () => `(after ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    return runCommand<{ stack: string; on: boolean; verbose: boolean }>(
        {
            name: "maintenance",
            usage: usage(availableStacks(deps.repoRoot)),
            flags: {},
            parse: ({ positionals }, verbose) => {
                const [stackName, mode, ...extra] = positionals;
                const stack = stackArg(stackName, deps.repoRoot);
                if (mode === undefined) throw new UsageError("missing argument on|off; expected 'on' or 'off'");
                if (mode !== "on" && mode !== "off") throw new UsageError(`argument on|off: got '${mode}'; expected 'on' or 'off'`);
                if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'; this command takes only <stack> and on|off`);
                return { stack, on: mode === "on", verbose };
            },
            run: async ({ stack, on, verbose }) => {
                started = Date.now();
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
                    if (e instanceof MaintenanceUpdateError) {
                        err(`maintenance: error: ${describeError(e, verbose)}\n${took()}`);
                        return EXIT.actNow;
                    }
                    const message = describeError(e, verbose);
                    const unchanged = /Nothing was changed/.test(message) ? "" : "\nNothing was changed: the failure came before the stack config was written.";
                    err(`maintenance: error: ${message}${unchanged}\n${took()}`);
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
