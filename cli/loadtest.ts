/**
 * `npm run loadtest -- --base-url URL [--connections 50] [--duration 60] [--rate RPS] [--report FILE]`:
 * the plan's load test (autocannon as a library): prints a table and the gate's verdict, writes
 * the figures as JSON. The token comes from TEST_TOKEN (or --token) and is never printed.
 */
import * as path from "path";
import { THRESHOLDS } from "../metrics/contract";
import { runLoadTest } from "../pipeline/loadtest";
import { EXIT, UsageError, consoleOutput, exitCodeHelp, exitWhenDone, intFlag, runCommand, urlFlag } from "./frame";
import { checkReportFile, writeReportFile } from "./output-files";
import { Redactor } from "./redact";
import { EnvCommandDeps, tokenArg } from "./smoke";

export const DEFAULT_REPORT = "out/loadtest.json";
/** The `kind` of the report: an earlier report of this kind may be overwritten, nothing else. */
export const REPORT_KIND = "ologywood-loadtest";

export const USAGE = [
    "Usage: TEST_TOKEN=... npm run -s loadtest -- --base-url URL [--connections N] [--duration S] [--rate RPS] [--report FILE]",
    "",
    "  --base-url     the stack's public URL (no user:password@)",
    "  --token        bearer token of the test account; default $TEST_TOKEN (npm echoes the command line, not the",
    "                 environment); never printed",
    `  --connections  simulated users (default ${THRESHOLDS.loadTest.connections}, the plan's)`,
    `  --duration     seconds (default ${THRESHOLDS.loadTest.durationSeconds}, the plan's)`,
    "  --rate         total requests per second (default: one per user per second; 0 = as fast as possible)",
    `  --report       where to write the JSON figures (default ${DEFAULT_REPORT}); an existing file is replaced`,
    "                 only when it is an earlier load test report",
    "",
    `Passes when p95 < ${THRESHOLDS.loadTest.p95Seconds} s, error rate < ${THRESHOLDS.loadTest.maxErrorRate * 100} % and success rate > ${THRESHOLDS.loadTest.minSuccessRate * 100} %.`,
    exitCodeHelp({ ok: "passed", failed: "failed (also when nothing answered)", refused: "bad usage (nothing run)" }),
].join("\n");

export type LoadCliDeps = EnvCommandDeps;

interface LoadArgs {
    baseUrl: string;
    token?: string;
    connections: number;
    durationSeconds: number;
    rate: number;
    report: string;
}

export async function main(argv: string[], deps: LoadCliDeps): Promise<number> {
    return runCommand<LoadArgs>(
        {
            name: "loadtest",
            usage: USAGE,
            flags: { "base-url": "string", token: "string", connections: "string", duration: "string", rate: "string", report: "string" },
            parse: ({ flags, positionals }) => {
                if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
                const baseUrl = urlFlag(flags["base-url"], "base-url");
                if (!baseUrl) throw new UsageError("--base-url is required");
                const connections = intFlag(flags.connections, "connections", THRESHOLDS.loadTest.connections, 1, 10_000);
                const durationSeconds = intFlag(flags.duration, "duration", THRESHOLDS.loadTest.durationSeconds, 1, 3600);
                const rate = intFlag(flags.rate, "rate", connections, 0, 1_000_000);
                if (rate > 0 && rate < connections)
                    throw new UsageError(`--rate ${rate} is below --connections ${connections}: each user needs at least one request per second (or --rate 0)`);
                const report = (flags.report as string | undefined) ?? DEFAULT_REPORT;
                // Before the load runs: a report path that cannot take the figures is refused now, not after a minute of load.
                checkReportFile(report, REPORT_KIND);
                return { baseUrl, token: tokenArg(flags.token, deps.env), connections, durationSeconds, rate, report };
            },
            run: async ({ report, ...options }) => {
                const result = await runLoadTest({ ...options, log: deps.out });
                const { token, ...shown } = options;
                const file = writeReportFile(report, REPORT_KIND, { ...shown, ...result }, (text) => new Redactor([token]).redact(text));
                deps.out(`figures written to ${path.relative(process.cwd(), file)}`);
                return result.passed ? EXIT.ok : EXIT.failed;
            },
        },
        argv,
        deps,
    );
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, env: process.env }));
}
