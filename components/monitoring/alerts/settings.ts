/**
 * How long each condition must hold before its alert fires, in one place (kubernetes-mixin keeps
 * thresholds and `for` in one config object; thresholds are in metrics/contract.ts).
 *
 * Timing assumption: every target is scraped every SCRAPE_INTERVAL (30 s) and the rules are
 * evaluated every RULE_EVALUATION_INTERVAL (15 s). Reasoning per value is in docs/monitoring.md;
 * `npm run bench:alerts` measures the result.
 */
export const FOR = {
    /** Pages: the instant (last scrape interval) error ratio must stay above 1 % for 3 evaluations, so one bad scrape never pages. */
    errorRateCritical: "1m",
    latencyCritical: "1m",
    apiUnavailable: "1m",
    databaseDown: "1m",
    emailServiceDown: "5m",
    emailDeliveryStalled: "5m",
    /** Longer than an HPA scale-up or a slow image pull. */
    replicasBelowDesired: "15m",
    backupTooOld: "10m",
    backupJobFailed: "1m",
    certificateExpiringSoon: "10m",
    /** Warnings: the plan's acceptable ranges, held long enough that bursts and noise pass. */
    errorRateHigh: "10m",
    /** The ingress rule already looks back over its whole window (alerts/app.ts SPREAD): waiting longer only delays it. */
    errorRateHighIngress: "0s",
    responseTimeHigh: "3m",
    databaseConnectionsHigh: "5m",
    emailQueueBacklog: "10m",
    certificateRenewalOverdue: "1h",
    metricsTargetDown: "10m",
    /** Longer than an exporter's or the ingress controller's rollout (series come back with the first scrape of the new pod). */
    metricsAbsent: "10m",
    /** SLO burn rates: the short window already resets quickly; `for` only rides over one evaluation's jitter. */
    sloPage: "2m",
    sloTicket: "15m",
} as const;

/** A fraction as a percentage for rule text: 0.001 -> "0.1%". */
export function percent(fraction: number): string {
    return `${Number((fraction * 100).toPrecision(6))}%`;
}

/** A number without floating point noise in PromQL text: 14.4 * 0.001 -> "0.0144". */
export function num(x: number): string {
    return String(Number(x.toPrecision(12)));
}
