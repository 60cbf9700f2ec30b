/**
 * The plan's "Acceptable Ranges" for the API: the error rate (at the ingress, and as the API pods
 * report it in their JSON /metrics, the plan's `curl /metrics | jq`) and the response time.
 * Warnings.
 */
import { JOBS, LABELS, METRICS, RECORDING_RULES, SLI_SERVICE, THRESHOLDS } from "../../../metrics/contract";
import { re, sel } from "../promql";
import { ERROR_SPREAD_WINDOW } from "../recording";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num, percent } from "./settings";

/**
 * OlogywoodErrorRateHigh at the ingress: the 2-minute error ratio must have been above the
 * acceptable rate for SPREAD.share of the last SPREAD.window, so a burst (30-60 s of errors,
 * whatever their rate) never warns; and the window must hold more failures than chance gives at
 * the acceptable rate: more than its mean plus SPREAD.sigmas standard deviations (Poisson: the
 * square root of the mean), and at least 5 (at 3 req/s a 0.1 % rate makes 1.1 failures in 6
 * minutes; 5 or more happen 0.5 % of the time). Without the relative part, 5
 * failures at 15 req/s (0.09 %) warned about twice in four healthy benchmark days.
 * docs/monitoring.md gives the benchmark's figures.
 */
export const SPREAD = {
    window: "6m",
    /** Share of the window; a 60 s burst lifts the 2-minute ratio for 3 minutes (50 %). */
    share: 0.6,
    sigmas: 2,
    /** At least 5 failures: increase() extrapolates to the window's edges, so 4 read as up to 4.4. */
    moreThan: 4.5,
} as const;

export function appAlerts(s: RuleSettings): RuleArea {
    const ns = LABELS.namespace;
    const app = { [ns]: s.namespace, job: JOBS.appMetrics };
    const requests = (extra: Record<string, ReturnType<typeof re>> = {}) =>
        `sum by (${ns}) (increase(${sel(METRICS.ingressRequests, { [ns]: s.namespace, [LABELS.service]: SLI_SERVICE, ...extra })}[${SPREAD.window}]))`;
    const expected = `${num(THRESHOLDS.acceptable.errorRate)} * ${requests()}`;
    const ok = THRESHOLDS.acceptable;
    return {
        name: "app",
        alerts: [
            {
                alert: "OlogywoodErrorRateHigh",
                expr:
                    `quantile_over_time(${num(1 - SPREAD.share)}, ${sel(RECORDING_RULES.errorRatio(ERROR_SPREAD_WINDOW), { [ns]: s.namespace })}[${SPREAD.window}]) > ${num(ok.errorRate)}\n` +
                    `and on (${ns})\n${requests({ [LABELS.status]: re("5..") })}\n> clamp_min(${expected} + ${SPREAD.sigmas} * sqrt(${expected}), ${SPREAD.moreThan})`,
                for: FOR.errorRateHighIngress,
                severity: "warning",
                labels: { source: "ingress" },
                summary: "API error rate above the plan's acceptable range.",
                description:
                    `For ${percent(SPREAD.share)} of the last ${SPREAD.window}, at least {{ $value | humanizePercentage }} of the requests to the API of {{ $labels.namespace }} ` +
                    `failed with 5xx at the ingress (over ${ERROR_SPREAD_WINDOW} windows; acceptable: below ${percent(ok.errorRate)}).`,
            },
            {
                alert: "OlogywoodErrorRateHigh",
                expr: `avg by (${ns}) (${sel(METRICS.appErrorRate, app)}) > ${num(ok.errorRate)}`,
                for: FOR.errorRateHigh,
                severity: "warning",
                labels: { source: "app" },
                summary: "API error rate above the plan's acceptable range.",
                description: `The API pods of {{ $labels.namespace }} report an error rate of {{ $value | humanizePercentage }} on average (acceptable: below ${percent(ok.errorRate)}).`,
            },
            {
                alert: "OlogywoodResponseTimeHigh",
                expr: `max by (${ns}) (${sel(METRICS.appResponseTimeP95, app)}) > ${num(ok.responseTimeP95Seconds)}`,
                for: FOR.responseTimeHigh,
                severity: "warning",
                summary: "API p95 response time above the plan's acceptable range.",
                description: `The slowest API pod of {{ $labels.namespace }} reports a p95 response time of {{ $value | humanizeDuration }} (acceptable: below ${ok.responseTimeP95Seconds}s).`,
            },
        ],
    };
}
