/**
 * `npm run smoke -- --base-url URL [--token T] [--mail-url URL] [--timeout S] [--mail-timeout S]`:
 * the plan's smoke tests against a running stack. The token comes from --token or TEST_TOKEN and
 * is never printed. Exit 0 when every check passes (the email check may be skipped), 1 when one
 * fails, 2 on bad usage.
 */
import { EnvCommandDeps, consoleOutput, exitWhenDone } from "./command";
import { runSmoke } from "../smoke";
import { intFlag, runFlagCommand, urlFlag, UsageError } from "./args";

export const USAGE = [
    "Usage: npm run smoke -- --base-url URL [--token T] [--mail-url URL] [--timeout SECONDS] [--mail-timeout SECONDS]",
    "",
    "  --base-url      the stack's public URL, e.g. https://staging.ologywood.com",
    "  --token         bearer token of the test account (default: $TEST_TOKEN); never printed",
    "  --mail-url      Mailpit's API (staging's mail catcher, e.g. via kubectl port-forward: http://127.0.0.1:8025);",
    "                  without it the booking_request email check is reported as skipped",
    "  --timeout       per-request timeout, seconds (default 10)",
    "  --mail-timeout  how long to wait for the email, seconds (default 120)",
    "",
    "Exit codes: 0 all checks passed, 1 a check failed, 2 bad usage.",
].join("\n");

export type SmokeCliDeps = EnvCommandDeps;

export async function main(argv: string[], deps: SmokeCliDeps): Promise<number> {
    const spec = { "base-url": "string", token: "string", "mail-url": "string", timeout: "string", "mail-timeout": "string" } as const;
    return runFlagCommand(argv, spec, USAGE, deps, async (flags) => {
        const baseUrl = urlFlag(flags["base-url"], "base-url");
        if (!baseUrl) throw new UsageError("--base-url is required");
        const result = await runSmoke({
            baseUrl,
            token: (flags.token as string | undefined) ?? deps.env.TEST_TOKEN,
            mailUrl: urlFlag(flags["mail-url"], "mail-url"),
            requestTimeoutMs: intFlag(flags.timeout, "timeout", 10, 1, 300) * 1000,
            mailTimeoutMs: intFlag(flags["mail-timeout"], "mail-timeout", 120, 1, 3600) * 1000,
            log: deps.out,
        });
        return result.passed ? 0 : 1;
    });
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, env: process.env }));
}
