/**
 * The plan's rollback criteria measured where users meet the API (ingress-nginx, across all
 * replicas), plus "is it running at all". Critical: these page.
 */
import { JOBS, LABELS, PROMETHEUS_METRICS, RECORDING_RULES, THRESHOLDS } from "../../../metrics/contract";
import { WORKLOADS } from "../../shared/names";
import { re, sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num, percent } from "./settings";
import { missingReplicas, noneAvailable } from "./workload";

export function availabilityAlerts(s: RuleSettings): RuleArea {
    const ns = { [LABELS.namespace]: s.namespace };
    const rb = THRESHOLDS.rollback;
    const exporterJobs = [JOBS.jsonExporter, JOBS.postgresExporter];
    return {
        name: "availability",
        alerts: [
            {
                alert: "OlogywoodErrorRateCritical",
                expr: `${sel(RECORDING_RULES.errorRatioInstant, ns)} > ${num(rb.errorRate)}`,
                for: FOR.errorRateCritical,
                severity: "critical",
                summary: "API error rate above the plan's rollback criterion.",
                description: `{{ $value | humanizePercentage }} of the requests to the API of {{ $labels.namespace }} failed with 5xx in the last scrape interval, above ${percent(rb.errorRate)} for ${FOR.errorRateCritical} (rollback criterion).`,
            },
            {
                alert: "OlogywoodLatencyCritical",
                expr: `${sel(RECORDING_RULES.latencyP95Over("2m"), ns)} > ${num(rb.responseTimeP95Seconds)}`,
                for: FOR.latencyCritical,
                severity: "critical",
                summary: "API p95 latency above the plan's rollback criterion.",
                description: `The p95 latency of requests to the API of {{ $labels.namespace }} is {{ $value | humanizeDuration }} at the ingress over the last 2 minutes (rollback criterion: above ${rb.responseTimeP95Seconds}s).`,
            },
            {
                alert: "OlogywoodApiUnavailable",
                expr: noneAvailable(s.namespace, WORKLOADS.api),
                for: FOR.apiUnavailable,
                severity: "critical",
                summary: "No API pod is available.",
                description: "None of the {{ $value }} desired API pods of {{ $labels.namespace }} is available: the API is down.",
            },
            {
                alert: "OlogywoodReplicasBelowDesired",
                expr: missingReplicas(s.namespace),
                for: FOR.replicasBelowDesired,
                severity: "critical",
                summary: "A Deployment has fewer available replicas than desired.",
                description: `{{ $value }} of the desired replicas of {{ $labels.deployment }} in {{ $labels.namespace }} have not been available for ${FOR.replicasBelowDesired}.`,
            },
            {
                alert: "OlogywoodMetricsTargetDown",
                expr:
                    `${sel(PROMETHEUS_METRICS.up, { ...ns, job: re([JOBS.appMetrics, ...exporterJobs].join("|")) })} == 0\n` +
                    exporterJobs.map((job) => `or absent(${sel(PROMETHEUS_METRICS.up, { ...ns, job })})`).join("\n"),
                for: FOR.metricsTargetDown,
                severity: "warning",
                summary: "A metrics target of the stack cannot be scraped.",
                description: `Prometheus has no working scrape of {{ $labels.job }} {{ $labels.instance }} in {{ $labels.namespace }} (up = {{ $value }}; 1 means the target is missing altogether) for ${FOR.metricsTargetDown}: alerts fed by it are blind.`,
            },
        ],
    };
}
