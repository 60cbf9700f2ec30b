/**
 * The app's own view (its JSON /metrics through json_exporter), at the plan's "Acceptable
 * Ranges": the checks the plan did by hand with `curl /metrics | jq`. Warnings.
 */
import { JOBS, LABELS, METRICS, THRESHOLDS } from "../../../metrics/contract";
import { sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num, percent } from "./settings";

export function appAlerts(s: RuleSettings): RuleArea {
    const app = { [LABELS.namespace]: s.namespace, job: JOBS.appMetrics };
    const ok = THRESHOLDS.acceptable;
    return {
        name: "app",
        alerts: [
            {
                alert: "OlogywoodErrorRateHigh",
                expr: `avg by (${LABELS.namespace}) (${sel(METRICS.appErrorRate, app)}) > ${num(ok.errorRate)}`,
                for: FOR.errorRateHigh,
                severity: "warning",
                summary: "API error rate above the plan's acceptable range.",
                description: `The API pods of {{ $labels.namespace }} report an error rate of {{ $value | humanizePercentage }} on average (acceptable: below ${percent(ok.errorRate)}).`,
            },
            {
                alert: "OlogywoodResponseTimeHigh",
                expr: `max by (${LABELS.namespace}) (${sel(METRICS.appResponseTimeP95, app)}) > ${num(ok.responseTimeP95Seconds)}`,
                for: FOR.responseTimeHigh,
                severity: "warning",
                summary: "API p95 response time above the plan's acceptable range.",
                description: `The slowest API pod of {{ $labels.namespace }} reports a p95 response time of {{ $value | humanizeDuration }} (acceptable: below ${ok.responseTimeP95Seconds}s).`,
            },
        ],
    };
}
