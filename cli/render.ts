/**
 * npm run render -- <stack> [--out DIR] [--set KEY=VALUE ...]
 *
 * Runs the Pulumi program offline (mock runtime) with Pulumi.<stack>.yaml and writes
 * DIR/manifests.yaml and DIR/resources.json (DIR defaults to out/<stack>). DIR must be absent,
 * empty, or an earlier render: nothing else is ever overwritten or deleted.
 */
import * as path from "path";
import { ConfigError } from "../config/load";
import { ProgramError } from "../render/mock-run";
import { RENDER_WRITER, SecretLeakError, prepareConfig, renderInProcess, summarize, writeRender } from "../render/render";
import { placeholderNote, readStackConfig } from "../render/stack-file";
import { checkOutputDir, describePath } from "./output-files";
import { CommandOutput, EXIT, REPO_ROOT, UsageError, consoleOutput, exitCodeHelp, exitWhenDone, runCommand, stackArg } from "./frame";

export const USAGE = [
    "Usage: npm run render -- <stack> [--out DIR] [--set KEY=VALUE ...]",
    "",
    "  <stack>   the stack whose Pulumi.<stack>.yaml to render",
    "  --out     folder for manifests.yaml and resources.json (default out/<stack>); it must be",
    "            absent, empty, or an earlier render: nothing else is overwritten",
    "  --set     KEY=VALUE as `pulumi config set --path` (repeatable), e.g. --set api.replicas=4",
    "",
    exitCodeHelp({
        ok: "rendered",
        failed: "the program failed while running (nothing written)",
        refused: "bad usage, invalid config or an output folder that is not the render's (nothing written)",
    }),
].join("\n");

interface RenderArgs {
    stack: string;
    out: string;
    sets: string[];
}

export async function main(argv: string[], io: CommandOutput, repoRoot = REPO_ROOT): Promise<number> {
    return runCommand<RenderArgs>(
        {
            name: "render",
            usage: USAGE,
            flags: { out: "string", set: "list" },
            parse: ({ flags, positionals }) => {
                if (positionals.length > 1) throw new UsageError(`expected one stack, got: ${positionals.join(" ")}`);
                const stack = stackArg(positionals[0], repoRoot);
                const out = (flags.out as string | undefined) ?? path.join("out", stack);
                // Before the program runs: a folder that is not ours is refused at once.
                checkOutputDir(out, RENDER_WRITER);
                return { stack, out, sets: (flags.set as string[] | undefined) ?? [] };
            },
            run: async ({ stack, out, sets }) => {
                try {
                    // Validate before running the program: bad config fails in well under a second.
                    const prepared = prepareConfig({ stack, sets, repoRoot });
                    const { encrypted } = readStackConfig(repoRoot, stack);
                    for (const key of prepared.placeholders) io.err(placeholderNote(key, encrypted));
                    const result = await renderInProcess({ stack, sets, repoRoot });
                    const files = writeRender(result, out);
                    io.out(`Rendered stack '${stack}' offline (mock runtime, nothing deployed).`);
                    io.out(summarize(result));
                    io.out(`Wrote:\n${files.map((f) => `    ${describePath(f)}`).join("\n")}`);
                    return EXIT.ok;
                } catch (error) {
                    if (error instanceof ConfigError) {
                        io.err(`render: ${error.message}\nNothing was written.`);
                        return EXIT.refused;
                    }
                    if (error instanceof ProgramError || error instanceof SecretLeakError) {
                        io.err(`render: ${error.message}\nNothing was written.`);
                        return EXIT.failed;
                    }
                    throw error;
                }
            },
        },
        argv,
        io,
    );
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), consoleOutput));
}
