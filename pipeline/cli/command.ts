/**
 * What every command's entry point shares: console output, the exit code, and the Automation API
 * driver loaded only when a command really runs (so `--help` and usage errors answer at once,
 * even where the Pulumi SDK's automation module is slow to load).
 */
import * as path from "path";
import type { AutomationDriver } from "../drivers/automation";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Where a command writes: the console in real runs, arrays in tests. */
export interface CommandOutput {
    out: (line: string) => void;
    err: (line: string) => void;
}

export const consoleOutput: CommandOutput = {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
};

export function createAutomationDriver(workDir: string): AutomationDriver {
    const { AutomationDriver } = require("../drivers/automation") as typeof import("../drivers/automation");
    return AutomationDriver.create(workDir);
}

/**
 * Sets the exit code when the command settles and lets pending output drain; a handle left open
 * (a port-forward, an HTTP agent) cannot keep the process alive for more than a second after.
 */
export function exitWhenDone(run: Promise<number>): void {
    run.then((code) => {
        process.exitCode = code;
        setTimeout(() => process.exit(code), 1000).unref();
    });
}

/** Prints the usage for `--help` (exit 0), or the parser's error and the usage (exit 2). */
export function answerHelpOrUsage(args: { help: true } | { error: string }, usage: string, io: CommandOutput): number {
    if ("help" in args) {
        io.out(usage);
        return 0;
    }
    io.err(`error: ${args.error}\n\n${usage}`);
    return 2;
}

/** Commands that read their token from the environment (smoke, loadtest). */
export interface EnvCommandDeps extends CommandOutput {
    env: NodeJS.ProcessEnv;
}
