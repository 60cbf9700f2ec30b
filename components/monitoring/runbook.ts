/** One helper adds `runbook_url` to every alert, from one pattern: docs/runbooks/<AlertName>.md. */
import { RUNBOOK_BASE_URL } from "../../metrics/contract";

/** Path of an alert's runbook, relative to the repository root. */
export function runbookPath(alert: string): string {
    return `docs/runbooks/${alert}.md`;
}

export function runbookUrl(alert: string): string {
    return `${RUNBOOK_BASE_URL}/${alert}.md`;
}
