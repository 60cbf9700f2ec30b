/**
 * npm run render -- <stack> [--out DIR] [--set KEY=VALUE ...]
 *
 * Runs the Pulumi program offline (mock runtime) with Pulumi.<stack>.yaml and writes
 * DIR/manifests.yaml and DIR/resources.json (DIR defaults to out/<stack>).
 * Exit codes: 0 rendered; 1 invalid config (nothing written); 2 usage error (nothing written).
 */
import * as path from "path";
import { ConfigError } from "../config/load";
import { REPO_ROOT, prepareConfig, renderInProcess, summarize, writeRender } from "./render";
import { UsageError, availableStacks, placeholderNote, readStackConfig } from "./stack-file";

const USAGE = "usage: npm run render -- <stack> [--out DIR] [--set KEY=VALUE ...]";

export interface CliArgs {
    stack: string;
    out: string;
    sets: string[];
}

export function parseArgs(argv: string[]): CliArgs | "help" {
    const sets: string[] = [];
    let out: string | undefined;
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = () => {
            if (inline !== undefined) return inline;
            const next = argv[++i];
            if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value\n${USAGE}`);
            return next;
        };
        if (flag === "--help" || flag === "-h") return "help";
        else if (flag === "--out") out = value();
        else if (flag === "--set") sets.push(value());
        else if (flag.startsWith("-")) throw new UsageError(`unknown option '${flag}'\n${USAGE}`);
        else positional.push(arg);
    }
    if (positional.length !== 1) {
        const stacks = availableStacks(REPO_ROOT).join(", ");
        throw new UsageError(`${positional.length === 0 ? "missing the stack name" : `expected one stack, got: ${positional.join(" ")}`} (stacks: ${stacks})\n${USAGE}`);
    }
    return { stack: positional[0], out: out ?? path.join("out", positional[0]), sets };
}

async function main(argv: string[]): Promise<number> {
    let args: CliArgs | "help";
    try {
        args = parseArgs(argv);
        if (args === "help") {
            console.log(USAGE);
            return 0;
        }
        // Validate before running the program: bad config fails in well under a second.
        const prepared = prepareConfig({ stack: args.stack, sets: args.sets });
        const { encrypted } = readStackConfig(REPO_ROOT, args.stack);
        for (const key of prepared.placeholders) console.warn(placeholderNote(key, encrypted));
        const result = await renderInProcess({ stack: args.stack, sets: args.sets });
        const files = writeRender(result, args.out);
        console.log(`Rendered stack '${args.stack}' offline (mock runtime, nothing deployed).`);
        console.log(summarize(result));
        console.log(`Wrote:\n${files.map((f) => `    ${path.relative(process.cwd(), f)}`).join("\n")}`);
        return 0;
    } catch (error) {
        if (error instanceof UsageError) {
            console.error(`render: ${error.message}`);
            return 2;
        }
        if (error instanceof ConfigError) {
            console.error(`render: ${error.message}\nNothing was written.`);
            return 1;
        }
        console.error(`render: ${error instanceof Error ? error.stack ?? error.message : String(error)}\nNothing was written.`);
        return 3;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
