/**
 * `npm run loadtest -- --base-url URL [--token T] [--connections 50] [--duration 60] [--rate RPS] [--report FILE]`:
 * the plan's load test (autocannon as a library): prints a table and the gate's verdict, writes
 * the figures as JSON. Exit 0 when p95 < 2 s, error rate < 0.1 % and success > 99.9 %; 1 when
 * not; 2 on bad usage.
 */
import { EnvCommandDeps, consoleOutput, exitWhenDone } from "./command";
import { THRESHOLDS } from "../../metrics/contract";
import { runLoadTest } from "../loadtest";
import { Redactor } from "../redact";
import { writeReport } from "../report";
import { intFlag, runFlagCommand, urlFlag, UsageError } from "./args";

export const DEFAULT_REPORT = "out/loadtest.json";

export const USAGE = [
    "Usage: npm run loadtest -- --base-url URL [--token T] [--connections N] [--duration S] [--rate RPS] [--report FILE]",
    "",
    "  --base-url     the stack's public URL",
    "  --token        bearer token of the test account (default: $TEST_TOKEN); never printed",
    `  --connections  simulated users (default ${THRESHOLDS.loadTest.connections}, the plan's)`,
    `  --duration     seconds (default ${THRESHOLDS.loadTest.durationSeconds}, the plan's)`,
    "  --rate         total requests per second (default: one per user per second; 0 = as fast as possible)",
    `  --report       where to write the JSON figures (default ${DEFAULT_REPORT})`,
    "",
    `Passes when p95 < ${THRESHOLDS.loadTest.p95Seconds} s, error rate < ${THRESHOLDS.loadTest.maxErrorRate * 100} % and success rate > ${THRESHOLDS.loadTest.minSuccessRate * 100} %.`,
    "Exit codes: 0 passed, 1 failed, 2 bad usage.",
].join("\n");

export type LoadCliDeps = EnvCommandDeps;

export async function main(argv: string[], deps: LoadCliDeps): Promise<number> {
    const spec = { "base-url": "string", token: "string", connections: "string", duration: "string", rate: "string", report: "string" } as const;
    return runFlagCommand(argv, spec, USAGE, deps, async (flags) => {
        const baseUrl = urlFlag(flags["base-url"], "base-url");
        if (!baseUrl) throw new UsageError("--base-url is required");
        const connections = intFlag(flags.connections, "connections", THRESHOLDS.loadTest.connections, 1, 10_000);
        const durationSeconds = intFlag(flags.duration, "duration", THRESHOLDS.loadTest.durationSeconds, 1, 3600);
        const rate = intFlag(flags.rate, "rate", connections, 0, 1_000_000);
        if (rate > 0 && rate < connections) throw new UsageError(`--rate ${rate} is below --connections ${connections}: each user needs at least one request per second (or --rate 0)`);
        const token = (flags.token as string | undefined) ?? deps.env.TEST_TOKEN;
        const result = await runLoadTest({ baseUrl, token, connections, durationSeconds, rate, log: deps.out });
        const file = (flags.report as string | undefined) ?? DEFAULT_REPORT;
        writeReport(file, new Redactor([token]).redact(JSON.stringify({ baseUrl, ...result }, null, 2)));
        deps.out(`figures written to ${file}`);
        return result.passed ? 0 : 1;
    });
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, env: process.env }));
}
