/**
 * Which series a PromQL expression reads, and which series exist at all: the contract's scraped
 * series plus what our rules record. A name outside both is a typo or an undeclared dependency.
 */
import * as contract from "../../metrics/contract";
import { PrometheusRuleSpec } from "../../components/monitoring/rule-types";

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "Inf", "NaN", "inf", "nan"]);

/** Metric names in an expression: identifiers that are not functions, keywords, label lists or label matchers. */
export function metricNames(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
    const names = new Set<string>();
    for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
        const after = stripped.slice(m.index! + m[0].length);
        if (/^\s*\(/.test(after) || KEYWORDS.has(m[0])) continue;
        if (/\d$/.test(stripped.slice(0, m.index!)) || /^[eE]\d/.test(m[0])) continue; // 1e3, 5m
        names.add(m[0]);
    }
    return [...names];
}

/** Every series name the contract says is scraped. */
export function scrapedMetricNames(): Set<string> {
    const groups = [
        contract.METRICS,
        contract.APP_BUSINESS_METRICS,
        contract.KUBE_STATE_METRICS,
        contract.CERT_MANAGER_METRICS,
        contract.CLUSTER_METRICS,
        contract.PROMETHEUS_METRICS,
    ];
    return new Set(groups.flatMap((g) => Object.values(g)));
}

export function recordedNames(spec: PrometheusRuleSpec): Set<string> {
    return new Set(spec.groups.flatMap((g) => g.rules).flatMap((r) => ("record" in r ? [r.record] : [])));
}
