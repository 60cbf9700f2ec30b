/**
 * Results of a gate's individual checks, printed the same way by smoke, load and bake:
 * `  PASS  GET /health is 200  (35 ms)`.
 */
import { formatDuration } from "./clock";

export type Outcome = "passed" | "failed" | "skipped";

export interface CheckResult {
    name: string;
    outcome: Outcome;
    /** Wall time of the check. */
    ms: number;
    /** What was measured or what went wrong. */
    detail: string;
    /**
     * The failure meets the plan's rollback criteria (service down, 5xx, database or email
     * failures, corrupted data): a rollback turns the maintenance page on first.
     */
    severe?: boolean;
}

export type Log = (line: string) => void;

const LABEL: Record<Outcome, string> = { passed: "PASS", failed: "FAIL", skipped: "SKIP" };

export function formatCheck(check: CheckResult): string {
    const took = check.ms > 0 ? `  (${formatDuration(check.ms)})` : "";
    return `  ${LABEL[check.outcome]}  ${check.name}${took}${check.detail ? `: ${check.detail}` : ""}`;
}

/** The first 200 characters of a response body, on one line, for failure messages. */
export function snippet(text: string, max = 200): string {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
