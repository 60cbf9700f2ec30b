/**
 * `npm run rehearse -- [--out DIR] [--keep]` and `npm run rehearse -- --stop --out DIR`: the
 * project's real commands under the real Pulumi engine against a local Kubernetes API server
 * (docs/rehearsal.md, "Running the rehearsal"). Thin: checks the arguments and the output
 * folder before anything starts, then hands over to rehearsal/run.ts (or lifecycle.ts for --stop).
 */
import * as fs from "fs";
import * as path from "path";
import { checkOutputDir } from "./output-files";
import { CommandOutput, EXIT, REPO_ROOT, UsageError, consoleOutput, exitCodeHelp, exitWhenDone, runCommand } from "./frame";

export const DEFAULT_OUT = path.join("out", "rehearsal");
/** Same values as rehearsal/state.ts (not imported: --help must not load the rehearsal). */
const WRITER = "npm run rehearse";
const STATE_FILE = "rehearsal-state.json";

export const USAGE = [
    "Usage: npm run rehearse -- [--out DIR] [--keep]",
    "       npm run rehearse -- --stop [--out DIR]",
    "",
    "  Starts a local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)",
    "  and PostgreSQL on 127.0.0.1, makes a scratch copy of this repository with a local Pulumi backend,",
    "  and runs the real commands under the real engine: preview, release, a release that prod fails and",
    "  rolls back, rollback, maintenance on/off, db:restore, each followed by independent checks",
    "  (kubectl, pulumi stack history/export, a scan of DIR for secrets). Needs the tools built by",
    "  rehearsal/build-tools.sh. Takes about 20 minutes (prod's bake alone is 10).",
    "",
    `  --out    folder for rehearsal.json, logs/ and the running parts (default ${DEFAULT_OUT}); it must be`,
    "           absent, empty, or an earlier rehearsal's",
    "  --keep   leave the backend, the project copy, PostgreSQL and the control plane running at the end,",
    "           to inspect them with pulumi and kubectl (the report says how)",
    "  --stop   stop what a --keep run (or an interrupted one) left running in DIR; the report and logs stay",
    "",
    exitCodeHelp({
        ok: "every step and check passed (--stop: stopped, or nothing to stop)",
        failed: "a step or check failed, or the rehearsal was interrupted (the report says which)",
        refused: "bad usage, tools not built, or an output folder that is not a rehearsal's (nothing started)",
    }),
].join("\n");

interface RehearseArgs {
    out: string;
    keep: boolean;
    stop: boolean;
}

export async function main(argv: string[], io: CommandOutput, repoRoot = REPO_ROOT): Promise<number> {
    return runCommand<RehearseArgs>(
        {
            name: "rehearse",
            usage: USAGE,
            flags: { out: "string", keep: "boolean", stop: "boolean" },
            parse: ({ flags, positionals }) => {
                if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'; this command takes only --out, --keep and --stop`);
                if (flags.stop && flags.keep) throw new UsageError("--stop and --keep do not go together: --stop ends what a --keep run left running");
                const out = (flags.out as string | undefined) ?? DEFAULT_OUT;
                // Before anything starts: a folder that is not a rehearsal's is refused.
                checkOutputDir(out, WRITER);
                const running = fs.existsSync(path.join(out, STATE_FILE));
                if (!flags.stop && running) {
                    throw new UsageError(
                        `--out ${out} holds a rehearsal that is still running or was kept (${STATE_FILE}): stop it first with \`npm run rehearse -- --stop --out ${out}\``,
                    );
                }
                return { out, keep: Boolean(flags.keep), stop: Boolean(flags.stop) };
            },
            run: async ({ out, keep, stop }) => {
                if (stop) return stopCommand(out, io);
                const { findTools, ToolsMissingError } = require("../rehearsal/tools") as typeof import("../rehearsal/tools");
                let tools;
                try {
                    tools = findTools(repoRoot);
                } catch (e) {
                    if (!(e instanceof ToolsMissingError)) throw e;
                    io.err(`rehearse: ${e.message}\nNothing was started.`);
                    return EXIT.refused;
                }
                const { runRehearsal } = require("../rehearsal/run") as typeof import("../rehearsal/run");
                const { report } = await runRehearsal({ repoRoot, out, keep, tools, print: io.out });
                return report.ok ? EXIT.ok : EXIT.failed;
            },
        },
        argv,
        io,
    );
}

async function stopCommand(out: string, io: CommandOutput): Promise<number> {
    const { layout } = require("../rehearsal/state") as typeof import("../rehearsal/state");
    const { stopRehearsal } = require("../rehearsal/lifecycle") as typeof import("../rehearsal/lifecycle");
    const l = layout(out);
    if (!fs.existsSync(l.state)) {
        io.out(`nothing to stop in ${out}: no ${STATE_FILE} (the rehearsal there already stopped)`);
        return EXIT.ok;
    }
    const result = await stopRehearsal(l, io.out);
    for (const p of result.leftovers) io.err(`left running, now stopped: pid ${p.pid} ${p.command}`);
    for (const p of result.problems) io.err(`problem: ${p}`);
    io.out(`stopped ${result.stopped.join(", ") || "nothing still running"}; removed ${path.join(out, "work")}; the report and logs stay in ${out}`);
    return result.problems.length > 0 ? EXIT.failed : EXIT.ok;
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), consoleOutput));
}
