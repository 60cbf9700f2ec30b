/**
 * Recording rules: the request SLI from ingress-nginx and the database connection ratio. The
 * burn-rate alerts and the release pipeline's bake gate read these series by the names in
 * RECORDING_RULES, so both see exactly the same numbers.
 */
import { ERROR_RATIO_WINDOWS, JOBS, LABELS, METRICS, RECORDING_RULES, SLI_SERVICE } from "../../metrics/contract";
import { re, sel } from "./promql";
import { RuleArea, RuleSettings } from "./rule-types";

/** Windows of the latency percentile: 5m for the bake gate and dashboard, 2m (4 scrapes) for the fast critical alert. */
export const LATENCY_WINDOWS = ["2m", "5m"] as const;
/** Windows of the request rate. */
export const REQUEST_RATE_WINDOWS = ["5m"] as const;
/**
 * Error ratio window of OlogywoodErrorRateHigh (ingress): at 3 req/s and 0.5 % errors a 2-minute
 * window holds a failure 83 % of the time (a 1-minute one only 59 %).
 */
export const ERROR_SPREAD_WINDOW = "2m";
/** irate looks back this far for its last two samples (4 scrapes: one missed scrape does not blank it). */
const IRATE_LOOKBACK = "2m";

export function recordingRules(s: RuleSettings): RuleArea {
    const ns = LABELS.namespace;
    const requests = (extra: Record<string, ReturnType<typeof re> | string> = {}) =>
        sel(METRICS.ingressRequests, { [ns]: s.namespace, [LABELS.service]: SLI_SERVICE, ...extra });
    const errors = requests({ [LABELS.status]: re("5..") });
    const ratio = (fn: string, window: string) => `sum by (${ns}) (${fn}(${errors}[${window}]))\n/\nsum by (${ns}) (${fn}(${requests()}[${window}]))`;
    const buckets = sel(METRICS.ingressRequestDurationBucket, { [ns]: s.namespace, [LABELS.service]: SLI_SERVICE });
    const pg = { [ns]: s.namespace, job: JOBS.postgresExporter };

    return {
        name: "recording",
        recording: [
            ...ERROR_RATIO_WINDOWS.map((w) => ({ record: RECORDING_RULES.errorRatio(w), expr: ratio("rate", w) })),
            { record: RECORDING_RULES.errorRatioInstant, expr: ratio("irate", IRATE_LOOKBACK) },
            ...REQUEST_RATE_WINDOWS.map((w) => ({
                record: RECORDING_RULES.requestRate(w),
                expr: `sum by (${ns}) (rate(${requests()}[${w}]))`,
            })),
            ...LATENCY_WINDOWS.map((w) => ({
                record: RECORDING_RULES.latencyP95Over(w),
                expr: `histogram_quantile(0.95, sum by (${ns}, ${LABELS.le}) (rate(${buckets}[${w}])))`,
            })),
            {
                record: RECORDING_RULES.dbConnectionRatio,
                expr: `sum by (${ns}) (${sel(METRICS.pgActivityCount, pg)})\n/\nmax by (${ns}) (${sel(METRICS.pgMaxConnections, pg)})`,
            },
            { record: RECORDING_RULES.errorRatio(ERROR_SPREAD_WINDOW), expr: ratio("rate", ERROR_SPREAD_WINDOW) },
        ],
    };
}
