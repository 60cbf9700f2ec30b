/**
 * The frame every command shares (render, release, rollback, maintenance, db:restore, smoke,
 * loadtest, rehearse): one flag parser, one usage error, one exit-code table, one way to answer
 * `--help`, bad usage and unexpected errors. Commands keep only what is their own: their flags,
 * their checks and their work.
 */
import * as fs from "fs";
import * as path from "path";

/** The repository root: where Pulumi.yaml and the Pulumi.<stack>.yaml files live. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * Exit codes of every command, documented once in the README. A CI job can tell "I called it
 * wrong / it refused" (2) from "it ran and the thing it checked failed" (1) from "act now" (3).
 */
export const EXIT = {
    /** Did what was asked: rendered, released, rolled back healthy, switched, restored, passed. */
    ok: 0,
    /** Ran and failed in a known state: a gate or check failed, a release was rolled back. */
    failed: 1,
    /** Bad usage, or refused before any change: invalid config, missing tool, unsafe output path. */
    refused: 2,
    /** A change started and did not finish: a rollback failed, a step left the stack between states. */
    actNow: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code lines a command's `--help` prints, each with the command's own wording. */
export function exitCodeHelp(meanings: Partial<Record<keyof typeof EXIT, string>>): string {
    const lines = (Object.keys(EXIT) as (keyof typeof EXIT)[]).filter((k) => meanings[k] !== undefined).map((k) => `  ${EXIT[k]}  ${meanings[k]}`);
    return ["Exit codes:", ...lines].join("\n");
}

/** Wrong arguments, or a refusal before any work: exit 2 with the message and the usage. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Where a command writes: the console in real runs, arrays in tests. */
export interface CommandOutput {
    out: (line: string) => void;
    err: (line: string) => void;
}

export const consoleOutput: CommandOutput = {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
};

export type FlagKind = "string" | "boolean" | "list";
export type FlagValue = string | boolean | string[] | undefined;

export interface ParsedArgs {
    flags: Record<string, FlagValue>;
    positionals: string[];
}

/** `--name value`, `--name=value`, boolean `--name`, repeatable flags, positionals; `-h` is `--help`. */
export function parseArgs(argv: string[], spec: Record<string, FlagKind>): ParsedArgs {
    const flags: ParsedArgs["flags"] = {};
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] === "-h" ? "--help" : argv[i];
        if (!arg.startsWith("-") || arg === "-") {
            positionals.push(arg);
            continue;
        }
        if (!arg.startsWith("--"))
            throw new UsageError(
                `unknown option '${arg}'; expected one of: ${Object.keys(spec)
                    .map((f) => `--${f}`)
                    .join(", ")}`,
            );
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const kind = spec[name];
        if (!kind)
            throw new UsageError(
                `unknown option '--${name}'; expected one of: ${Object.keys(spec)
                    .map((f) => `--${f}`)
                    .join(", ")}`,
            );
        if (kind === "boolean") {
            if (eq >= 0) throw new UsageError(`--${name} takes no value`);
            flags[name] = true;
            continue;
        }
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
        if (kind === "list") flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
        else flags[name] = value;
    }
    return { flags, positionals };
}

/** A flag that must be a whole number in a range. */
export function intFlag(value: FlagValue, name: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (typeof value !== "string" || !/^\d+$/.test(value) || n < min || n > max) {
        throw new UsageError(`--${name} expects a whole number from ${min} to ${max}, got '${String(value)}'`);
    }
    return n;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach a header
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * `http(s)://host[:port][/path]`, without credentials: a password in a URL would be printed,
 * written into reports and sent as Basic auth. The value is not echoed when it has credentials.
 */
export function urlFlag(value: FlagValue, name: string): string | undefined {
    if (value === undefined) return undefined;
    const expected = `--${name} expects an http(s) URL such as https://staging.ologywood.com`;
    if (typeof value !== "string") throw new UsageError(`${expected}`);
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        url = undefined as unknown as URL;
    }
    if (url && (url.username || url.password)) {
        throw new UsageError(
            `--${name} must not carry credentials (user:password@host): they would be printed and sent to the server. Pass the test account's token with TEST_TOKEN instead.`,
        );
    }
    if (!url || !/^https?:$/.test(url.protocol) || !/^https?:\/\/[^\s/]+/.test(value) || CONTROL_CHARACTER.test(value) || /\s/.test(value)) {
        throw new UsageError(`${expected}, got '${value.replace(CONTROL_CHARACTER, "?")}'`);
    }
    return value.replace(/\/+$/, "");
}

/**
 * A value that becomes an HTTP header (a bearer token): one line of printable characters. A line
 * break would let the value add headers of its own to every request. Never echoed.
 */
export function headerValue(value: string | undefined, source: string): string | undefined {
    if (value === undefined || value === "") return undefined;
    if (CONTROL_CHARACTER.test(value) || /[^\u0020-\u007e]/.test(value)) {
        throw new UsageError(
            `${source} contains a control or non-ASCII character (a line break?): a token is one line of printable ASCII. Its value is not shown.`,
        );
    }
    return value;
}

/** The stacks of this project: one per Pulumi.<stack>.yaml next to Pulumi.yaml. */
export function availableStacks(repoRoot = REPO_ROOT): string[] {
    return fs
        .readdirSync(repoRoot)
        .map((f) => /^Pulumi\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => Boolean(s))
        .sort();
}

/** Checks a stack argument against the stack files; `what` names the argument in the message. */
export function stackArg(stack: string | undefined, repoRoot: string, what = "<stack>"): string {
    const known = availableStacks(repoRoot);
    const expected = `expected one of: ${known.join(", ") || "(no Pulumi.<stack>.yaml found)"}`;
    if (stack === undefined) throw new UsageError(`missing argument ${what}; ${expected}`);
    if (!known.includes(stack)) throw new UsageError(`argument ${what}: no stack '${stack}' (there is no Pulumi.${stack}.yaml); ${expected}`);
    return stack;
}

/** The first line of an error worth showing a person; the rest only with --verbose. */
export function describeError(error: unknown, verbose: boolean): string {
    if (!(error instanceof Error)) return String(error);
    if (!verbose) return error.message;
    const details = (error as { details?: unknown }).details;
    return [error.stack ?? error.message, typeof details === "string" ? `details:\n${details}` : ""].filter(Boolean).join("\n");
}

export interface CommandSpec<Args> {
    /** Name used in messages, e.g. "render". */
    name: string;
    usage: string;
    /** The command's own flags; `--help` and `--verbose` are added by the frame. */
    flags: Record<string, FlagKind>;
    /** Turns parsed arguments into the command's own, or throws a UsageError. */
    parse: (parsed: ParsedArgs, verbose: boolean) => Args;
    /** The work; returns an exit code from EXIT. */
    run: (args: Args, io: CommandOutput) => Promise<number>;
    /** The exit code of an unexpected error (default: failed). */
    unexpectedExit?: number;
}

/**
 * Runs a command: `--help` prints the usage (exit 0); a UsageError, before or during the work,
 * prints the message and the usage (exit 2); any other error is one line (the stack trace with
 * `--verbose`) and the command's unexpected-error code.
 */
export async function runCommand<Args>(spec: CommandSpec<Args>, argv: string[], io: CommandOutput): Promise<number> {
    const verbose = argv.includes("--verbose");
    try {
        const parsed = parseArgs(argv, { ...spec.flags, help: "boolean", verbose: "boolean" });
        if (parsed.flags.help) {
            io.out(spec.usage);
            return EXIT.ok;
        }
        const args = spec.parse(parsed, verbose);
        return await spec.run(args, io);
    } catch (error) {
        if (error instanceof UsageError) {
            io.err(`${spec.name}: error: ${error.message}\n\n${spec.usage}`);
            return EXIT.refused;
        }
        io.err(`${spec.name}: error: ${describeError(error, verbose)}${verbose ? "" : "\n(run again with --verbose for details)"}`);
        return spec.unexpectedExit ?? EXIT.failed;
    }
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
