/**
 * The flag parser shared by the pipeline's commands: `--name value`, `--name=value`, boolean
 * `--name`, repeatable flags, positionals. Unknown flags and missing values are usage errors that
 * name the flag.
 */
export type FlagKind = "string" | "boolean" | "list";

export interface Parsed {
    flags: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
}

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export function parseArgs(argv: string[], spec: Record<string, FlagKind>): Parsed {
    const flags: Parsed["flags"] = {};
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const kind = spec[name];
        if (!kind) throw new UsageError(`unknown option --${name}; expected one of: ${Object.keys(spec).map((f) => `--${f}`).join(", ")}`);
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
export function intFlag(value: string | boolean | string[] | undefined, name: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (typeof value !== "string" || !/^\d+$/.test(value) || n < min || n > max) {
        throw new UsageError(`--${name} expects a whole number from ${min} to ${max}, got '${String(value)}'`);
    }
    return n;
}

/** `http(s)://host[:port][/path]` */
export function urlFlag(value: string | boolean | string[] | undefined, name: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !/^https?:\/\/[^\s/]+/.test(value)) throw new UsageError(`--${name} expects an http(s) URL such as https://staging.ologywood.com, got '${String(value)}'`);
    return value.replace(/\/+$/, "");
}

/**
 * The frame of a command that takes only flags: `--help` prints the usage (exit 0), a positional
 * argument or any UsageError prints the message and the usage (exit 2); otherwise `body` decides.
 */
export async function runFlagCommand(
    argv: string[],
    spec: Record<string, FlagKind>,
    usage: string,
    io: { out: (line: string) => void; err: (line: string) => void },
    body: (flags: Parsed["flags"]) => Promise<number>,
): Promise<number> {
    try {
        const { flags, positionals } = parseArgs(argv, { ...spec, help: "boolean" });
        if (flags.help) {
            io.out(usage);
            return 0;
        }
        if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
        return await body(flags);
    } catch (e) {
        if (e instanceof UsageError) {
            io.err(`error: ${e.message}\n\n${usage}`);
            return 2;
        }
        throw e;
    }
}
