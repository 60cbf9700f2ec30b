/**
 * SLO: 99.9 % of API requests succeed over 30 days. Multiwindow, multi-burn-rate alerts from the
 * Google SRE workbook, one rule per row of SLO_BURN_RATE_WINDOWS (generated, not copied): fast
 * burns page, slow burns open a ticket. Built on the errorRatio recording rules that the release
 * pipeline's bake gate reads too.
 */
import { LABELS, RECORDING_RULES, SLO_BURN_RATE_WINDOWS, THRESHOLDS } from "../contract";
import { sel } from "../promql";
import { AlertDef, RuleArea, RuleSettings } from "../rule-types";
import { FOR, num, percent } from "./settings";

export function sloAlerts(s: RuleSettings): RuleArea {
    const ns = { [LABELS.namespace]: s.namespace };
    const budget = 1 - THRESHOLDS.slo.availability;
    const alerts: AlertDef[] = SLO_BURN_RATE_WINDOWS.map((row) => {
        const limit = num(row.burnRate * budget);
        return {
            alert: "OlogywoodErrorBudgetBurn",
            expr: `${sel(RECORDING_RULES.errorRatio(row.longWindow), ns)} > ${limit}\n` +
                `and\n${sel(RECORDING_RULES.errorRatio(row.shortWindow), ns)} > ${limit}`,
            for: row.severity === "critical" ? FOR.sloPage : FOR.sloTicket,
            severity: row.severity,
            labels: { long_window: row.longWindow, short_window: row.shortWindow },
            summary: "The API is burning its error budget too fast.",
            description: `{{ $value | humanizePercentage }} of the requests to the API of {{ $labels.namespace }} failed over the last ${row.longWindow} ` +
                `(and over ${row.shortWindow}): ${row.burnRate}x the rate that spends the whole ${THRESHOLDS.slo.windowDays}-day error budget ` +
                `of the ${percent(THRESHOLDS.slo.availability)} SLO (limit ${percent(row.burnRate * budget)}).`,
        };
    });
    return { name: "slo", alerts };
}
