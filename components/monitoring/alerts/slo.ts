/**
 * SLO: 99.9 % of API requests succeed over 30 days. Multiwindow, multi-burn-rate alerts from the
 * Google SRE workbook: one alert per severity, whose expression is the `or` of its rows of
 * SLO_BURN_RATE_WINDOWS (generated from the table, not copied); each row labels its windows and
 * burn rate so that the alert says which one fired. Fast burns page, slow burns open a ticket.
 * Built on the errorRatio recording rules that the release pipeline's bake gate reads too.
 */
import { LABELS, RECORDING_RULES, SLO_BURN_RATE_WINDOWS, THRESHOLDS } from "../../../metrics/contract";
import { sel } from "../promql";
import { AlertDef, RuleArea, RuleSettings, Severity } from "../rule-types";
import { FOR, num, percent } from "./settings";

type Row = (typeof SLO_BURN_RATE_WINDOWS)[number];

/** Labels that each row adds to its alert. */
export const BURN_LABELS = { longWindow: "long_window", shortWindow: "short_window", burnRate: "burn_rate" } as const;

function rowExpr(namespace: string, row: Row): string {
    const ns = { [LABELS.namespace]: namespace };
    const limit = num(row.burnRate * (1 - THRESHOLDS.slo.availability));
    const both = `${sel(RECORDING_RULES.errorRatio(row.longWindow), ns)} > ${limit}\n  and\n  ${sel(RECORDING_RULES.errorRatio(row.shortWindow), ns)} > ${limit}`;
    const withLabel = (expr: string, name: string, value: string) => `label_replace(${expr}, "${name}", "${value}", "", "")`;
    return withLabel(
        withLabel(withLabel(`\n  ${both}\n`, BURN_LABELS.longWindow, row.longWindow), BURN_LABELS.shortWindow, row.shortWindow),
        BURN_LABELS.burnRate,
        String(row.burnRate),
    );
}

function burnAlert(namespace: string, severity: Severity, alert: string, summary: string): AlertDef {
    const rows = SLO_BURN_RATE_WINDOWS.filter((r) => r.severity === severity);
    return {
        alert,
        expr: rows.map((r) => rowExpr(namespace, r)).join("\nor\n"),
        for: severity === "critical" ? FOR.sloPage : FOR.sloTicket,
        severity,
        summary,
        description:
            `{{ $value | humanizePercentage }} of the requests to the API of {{ $labels.namespace }} failed over the last {{ $labels.${BURN_LABELS.longWindow} }} ` +
            `(and over {{ $labels.${BURN_LABELS.shortWindow} }}): {{ $labels.${BURN_LABELS.burnRate} }}x the rate that spends the whole ${THRESHOLDS.slo.windowDays}-day error budget ` +
            `of the ${percent(THRESHOLDS.slo.availability)} SLO.`,
    };
}

export function sloAlerts(s: RuleSettings): RuleArea {
    return {
        name: "slo",
        alerts: [
            burnAlert(
                s.namespace,
                "critical",
                "OlogywoodErrorBudgetBurnFast",
                "The API is burning its error budget fast: the month's budget goes within days.",
            ),
            burnAlert(s.namespace, "warning", "OlogywoodErrorBudgetBurnSlow", "The API is burning its error budget faster than the SLO allows."),
        ],
    };
}
