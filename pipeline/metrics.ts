/**
 * Where the bake gate reads its numbers: Prometheus's query API (the recording rules of the
 * monitoring contract, for the stack's namespace), and, when Prometheus has nothing usable, the
 * app's own JSON /metrics (the plan's `curl .../metrics | jq .error_rate`).
 *
 * A reading is a number or an explicit "no data": an empty vector, NaN (0/0 when there was no
 * traffic), an error answer and an unreachable server are all "no data", never zero.
 */
import { APP_METRICS_JSON_FIELDS, LABELS, RECORDING_RULES } from "../metrics/contract";
import { describeStatus, httpRequest, parseJson } from "./http";

export type MetricName = "errorRate" | "p95Seconds" | "dbConnectionRatio" | "emailQueueSize";

export type Reading = { ok: true; value: number; source: "prometheus" | "app-json" } | { ok: false; reason: string };

/** The PromQL of each metric for a namespace: recording rules only, so alerts and gate agree. */
export function prometheusQueries(namespace: string): Partial<Record<MetricName, string>> {
    const sel = `{${LABELS.namespace}="${namespace}"}`;
    return {
        // 5 minutes: the window the recording rules keep for the bake gate and the dashboards.
        errorRate: `${RECORDING_RULES.errorRatio("5m")}${sel}`,
        p95Seconds: `${RECORDING_RULES.latencyP95}${sel}`,
        dbConnectionRatio: `${RECORDING_RULES.dbConnectionRatio}${sel}`,
    };
}

/** The fields of the app's JSON /metrics for each metric it reports. */
export const JSON_FIELDS: Partial<Record<MetricName, string>> = {
    errorRate: APP_METRICS_JSON_FIELDS.errorRate,
    p95Seconds: APP_METRICS_JSON_FIELDS.responseTimeP95,
    emailQueueSize: APP_METRICS_JSON_FIELDS.emailQueueSize,
};

/** Prometheus sample values are strings; `+Inf` (a p95 beyond the last bucket) is a real, bad value. */
export function parseSampleValue(text: string): number {
    if (text === "+Inf" || text === "Inf") return Infinity;
    if (text === "-Inf") return -Infinity;
    return Number(text);
}

/**
 * One instant query. Several series (one per ingress, say) are reduced to the worst (highest)
 * value: the gate must not pass because one series looks fine.
 */
export async function queryPrometheus(baseUrl: string, query: string, timeoutMs = 10_000): Promise<Reading> {
    const response = await httpRequest(`${baseUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`, { timeoutMs });
    const body = parseJson(response.text) as { status?: string; error?: string; data?: { result?: { value?: [number, string] }[] } } | undefined;
    if (response.status !== 200 || body?.status !== "success") {
        return { ok: false, reason: `Prometheus answered ${describeStatus(response)}${body?.error ? `: ${body.error}` : ""}` };
    }
    const values = (body.data?.result ?? []).map((r) => parseSampleValue(r.value?.[1] ?? "NaN"));
    if (values.length === 0) return { ok: false, reason: "no series (empty result)" };
    const usable = values.filter((v) => !Number.isNaN(v) && v !== -Infinity);
    if (usable.length === 0) return { ok: false, reason: "NaN (no traffic in the window?)" };
    return { ok: true, value: Math.max(...usable), source: "prometheus" };
}

/** The app's JSON /metrics, one request for all fields. */
export async function readAppMetrics(url: string, timeoutMs = 10_000): Promise<Partial<Record<MetricName, Reading>>> {
    const response = await httpRequest(url, { timeoutMs });
    const body = parseJson(response.text) as Record<string, unknown> | undefined;
    const readings: Partial<Record<MetricName, Reading>> = {};
    for (const [metric, field] of Object.entries(JSON_FIELDS) as [MetricName, string][]) {
        const raw = body?.[field];
        readings[metric] =
            response.status !== 200
                ? { ok: false, reason: `${url} answered ${describeStatus(response)}` }
                : typeof raw === "number" && Number.isFinite(raw)
                  ? { ok: true, value: raw, source: "app-json" }
                  : { ok: false, reason: `${field} missing or not a number in ${url}` };
    }
    return readings;
}
