/**
 * `npm run smoke -- --base-url URL [--mail-url URL] [--timeout S] [--mail-timeout S]`: the plan's
 * smoke tests against a running stack. The token comes from TEST_TOKEN (or --token, which npm
 * echoes: prefer the variable or `npm run -s`) and is never printed.
 */
import { runSmoke } from "../pipeline/smoke";
import { CommandOutput, EXIT, UsageError, consoleOutput, exitCodeHelp, exitWhenDone, headerValue, intFlag, runCommand, urlFlag } from "./frame";

export const USAGE = [
    "Usage: TEST_TOKEN=... npm run -s smoke -- --base-url URL [--mail-url URL] [--timeout SECONDS] [--mail-timeout SECONDS]",
    "",
    "  --base-url      the stack's public URL, e.g. https://staging.ologywood.com (no user:password@)",
    "  --token         bearer token of the test account; default $TEST_TOKEN, which is better: npm echoes",
    "                  the command line of `npm run` (unless -s), the environment it does not. Never printed.",
    "  --mail-url      Mailpit's API (staging's mail catcher, e.g. via kubectl port-forward: http://127.0.0.1:8025);",
    "                  without it the booking_request email check is reported as skipped",
    "  --timeout       per-request timeout, seconds (default 10)",
    "  --mail-timeout  how long to wait for the email, seconds (default 120)",
    "",
    exitCodeHelp({ ok: "every check passed (a skipped check is named in the output)", failed: "a check failed", refused: "bad usage" }),
].join("\n");

export interface EnvCommandDeps extends CommandOutput {
    env: NodeJS.ProcessEnv;
}

interface SmokeArgs {
    baseUrl: string;
    token?: string;
    mailUrl?: string;
    requestTimeoutMs: number;
    mailTimeoutMs: number;
}

export async function main(argv: string[], deps: EnvCommandDeps): Promise<number> {
    return runCommand<SmokeArgs>(
        {
            name: "smoke",
            usage: USAGE,
            flags: { "base-url": "string", token: "string", "mail-url": "string", timeout: "string", "mail-timeout": "string" },
            parse: ({ flags, positionals }) => {
                if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
                const baseUrl = urlFlag(flags["base-url"], "base-url");
                if (!baseUrl) throw new UsageError("--base-url is required");
                return {
                    baseUrl,
                    token: tokenArg(flags.token, deps.env),
                    mailUrl: urlFlag(flags["mail-url"], "mail-url"),
                    requestTimeoutMs: intFlag(flags.timeout, "timeout", 10, 1, 300) * 1000,
                    mailTimeoutMs: intFlag(flags["mail-timeout"], "mail-timeout", 120, 1, 3600) * 1000,
                };
            },
            run: async (args) => ((await runSmoke({ ...args, log: deps.out })).passed ? EXIT.ok : EXIT.failed),
        },
        argv,
        deps,
    );
}

/** The test account's token: --token, else TEST_TOKEN; one line of printable characters. */
export function tokenArg(flag: unknown, env: NodeJS.ProcessEnv): string | undefined {
    if (typeof flag === "string") return headerValue(flag, "--token");
    return headerValue(env.TEST_TOKEN, "TEST_TOKEN");
}

if (require.main === module) {
    exitWhenDone(main(process.argv.slice(2), { ...consoleOutput, env: process.env }));
}
