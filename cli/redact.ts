/**
 * Secrets (config secrets in renders, the smoke test's bearer token, the Slack webhook URL) must
 * never reach the output, a report, a rendered file or an error message, even when a server
 * echoes them back. Everything printed or recorded goes through one marker and one Redactor that
 * knows the secrets of the run.
 */

/** What a secret looks like wherever it would have appeared. */
export const REDACTED = "[secret]";

export class Redactor {
    private readonly secrets: string[] = [];

    constructor(secrets: (string | undefined)[] = []) {
        secrets.forEach((s) => this.add(s));
    }

    /** Registers a secret; short strings are ignored (they would redact ordinary words). */
    add(secret: string | undefined): void {
        if (!secret || secret.length < 6) return;
        // The forms a secret travels in: as is, URL-encoded (query strings), base64 (Basic auth, Secrets).
        for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]) {
            if (!this.secrets.includes(form)) this.secrets.push(form);
        }
        // Longest first, so a secret containing another is replaced whole.
        this.secrets.sort((a, b) => b.length - a.length);
    }

    redact(text: string): string {
        let out = text;
        for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
        return out;
    }

    /** A log function that redacts before passing the line on. */
    wrap(log: (line: string) => void): (line: string) => void {
        return (line) => log(this.redact(line));
    }
}
