/**
 * What a person sees when the Pulumi CLI fails under the Automation API: one line saying what
 * failed, the CLI's own message (its stderr, trimmed), and what to run next. The Automation API's
 * CommandError dumps `code: -2 / stdout: / stderr: / err?:`; that stays in `details`, shown only
 * with `--verbose`.
 */

export class PulumiCommandError extends Error {
    constructor(
        message: string,
        readonly details: string,
    ) {
        super(message);
        this.name = "PulumiCommandError";
    }
}

/** Known CLI failures and what to do about each; the first match wins. */
const NEXT_STEPS: { pattern: RegExp; next: (stack: string) => string }[] = [
    {
        pattern: /PULUMI_ACCESS_TOKEN must be set|not logged in|you must be logged in|pulumi login/i,
        next: () => "log in to the backend that holds the stacks: `pulumi login <backend URL>` (or set PULUMI_BACKEND_URL), then run this again",
    },
    {
        pattern: /no stack named .* found|stack .* not found/i,
        next: (stack) =>
            `check that you are logged in to the right backend (\`pulumi whoami -v\`) and that the stack exists (\`pulumi stack ls\`); a new stack is made with \`pulumi stack init ${stack}\``,
    },
    {
        pattern: /passphrase|decrypt/i,
        next: () => "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase, then run this again",
    },
    {
        pattern: /currently locked|409|another update is currently in progress/i,
        next: (stack) => `another update of ${stack} is running: wait for it, or if its process died clear the lock with \`pulumi cancel --stack ${stack}\``,
    },
    {
        pattern: /no such host|dial tcp|connection refused|timeout|unreachable|could not (reach|access)|i\/o timeout|network/i,
        next: () => "the backend could not be reached: check the network and the backend URL (`pulumi whoami -v`), then run this again",
    },
];

/** The line execa adds to stderr: `Command failed with exit code 255: pulumi stack select ...`. */
const FAILED_COMMAND = /^Command failed with exit code (\d+): (.*)$/;

/** The CLI's own message: its stderr (or stdout), without blank lines and the Automation API's frame. */
export function cliMessage(stderr: string, stdout = ""): string {
    const text = (stderr.trim() || stdout.trim())
        .split("\n")
        .map((line) => line.trimEnd())
        .filter((line) => line.trim() !== "" && !/^\s*(code|stdout|stderr|err\?):/.test(line) && !FAILED_COMMAND.test(line));
    const shown = text.slice(0, 6).join("\n  ");
    return text.length > 6 ? `${shown}\n  ... (${text.length - 6} more lines; --verbose shows them)` : shown || "(the CLI printed nothing)";
}

/** Turns an Automation API failure into a PulumiCommandError; other errors pass through unchanged. */
export function explainPulumiError(error: unknown, operation: string, stack: string): unknown {
    const result = (error as { commandResult?: { stdout?: string; stderr?: string; code?: number; err?: { stderr?: string } } } | undefined)?.commandResult;
    if (!result) return error;
    // On a failed exit the Automation API keeps only execa's message; the process's own stderr is on `err`.
    const stderr = [result.stderr ?? "", result.err?.stderr ?? ""]
        .filter((t) => t.trim() !== "")
        .filter((t, i, all) => i === 0 || !all[0].includes(t.trim()))
        .join("\n");
    const message = cliMessage(stderr, result.stdout ?? "");
    const failed = stderr
        .split("\n")
        .map((line) => FAILED_COMMAND.exec(line.trim()))
        .find(Boolean);
    const exit = failed?.[1] ?? (result.code === undefined || result.code < 0 ? "?" : String(result.code));
    const ran = failed ? ` (\`${failed[2].replace(/ --non-interactive$/, "")}\`)` : "";
    const next = NEXT_STEPS.find((n) => n.pattern.test(stderr))?.next(stack) ?? `run \`pulumi ${operation} --stack ${stack}\` by hand to see the whole output`;
    return new PulumiCommandError(
        `pulumi ${operation} of stack ${stack} failed (exit ${exit})${ran}:\n  ${message}\n  next: ${next}`,
        (error as Error).message,
    );
}
