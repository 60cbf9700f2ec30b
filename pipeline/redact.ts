/**
 * Secrets (the smoke test's bearer token, the Slack webhook URL) must never reach the output, the
 * report or an error message, even when a server echoes them back. Every line the pipeline prints
 * or records goes through a Redactor that knows the secrets of the run.
 */
export const REDACTED = "[redacted]";

export class Redactor {
    private readonly secrets: string[] = [];

    constructor(secrets: (string | undefined)[] = []) {
        secrets.forEach((s) => this.add(s));
    }

    /** Registers a secret; short strings are ignored (they would redact ordinary words). */
    add(secret: string | undefined): void {
        if (secret && secret.length >= 6 && !this.secrets.includes(secret)) {
            this.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            this.secrets.sort((a, b) => b.length - a.length);
        }
    }

    redact(text: string): string {
        let out = text;
        for (const secret of this.secrets) {
            out = out.split(secret).join(REDACTED);
            const encoded = encodeURIComponent(secret);
            if (encoded !== secret) out = out.split(encoded).join(REDACTED);
        }
        return out;
    }

    /** A log function that redacts before passing the line on. */
    wrap(log: (line: string) => void): (line: string) => void {
        return (line) => log(this.redact(line));
    }
}
