/**
 * Monitoring that notices when it goes blind (kubernetes-mixin style `absent()` alerts): one alert
 * per source of WATCHED_SOURCES, generated from that table, firing when any of the source's
 * series has had no sample for the stack for FOR.metricsAbsent. The `series` label names the
 * missing series; `absent()` keeps the selector's equality labels (namespace, job, service).
 */
import { KUBE_STATE_METRICS as KSM, LABELS, WATCHED_SOURCES, WatchedSource } from "../../../metrics/contract";
import { sel } from "../promql";
import { AlertDef, RuleArea, RuleSettings } from "../rule-types";
import { FOR } from "./settings";

/** Label that names the missing series. */
export const SERIES_LABEL = "series";

type SourceName = keyof typeof WATCHED_SOURCES;

/** Per source: the alert's name, what the series are, and where to look first. */
export const ABSENT_ALERTS = {
    ingress: {
        alert: "OlogywoodIngressMetricsAbsent",
        what: "the ingress-nginx request metrics of the API",
        cause: "Is the controller's ServiceMonitor selected by Prometheus, and does it set honorLabels: true (otherwise the label arrives as exported_namespace)?",
    },
    app: {
        alert: "OlogywoodAppMetricsAbsent",
        what: "the API pods' JSON metrics (through json_exporter)",
        cause: "Is the PodMonitor ologywood-app-metrics selected, and does the app still answer its JSON /metrics with these fields?",
    },
    postgres: {
        alert: "OlogywoodDatabaseMetricsAbsent",
        what: "postgres_exporter's database metrics",
        cause: "Is postgres_exporter running and scraped, and can the monitoring role read pg_stat_activity and pg_settings?",
    },
    kubeState: {
        alert: "OlogywoodKubeStateMetricsAbsent",
        what: "kube-state-metrics' Deployment and CronJob metrics",
        cause: "Is kube-state-metrics (kube-prometheus-stack) running, and does it export this namespace?",
    },
    certManager: {
        alert: "OlogywoodCertManagerMetricsAbsent",
        what: "cert-manager's certificate metrics",
        cause: "Is cert-manager's ServiceMonitor selected, with honorLabels: true, and does the API's Certificate exist?",
    },
} as const satisfies Record<SourceName, { alert: string; what: string; cause: string }>;

/** The selector of one watched series for a namespace: namespace, the source's labels, the series' own. */
export function watchedSelector(namespace: string, source: WatchedSource, series: WatchedSource["series"][number]): string {
    return sel(series.metric, { [LABELS.namespace]: namespace, ...source.matchers, ...series.matchers });
}

function absentExpr(namespace: string, source: WatchedSource): string {
    const anyMissing = source.series
        .map((s) => `label_replace(absent(${watchedSelector(namespace, source, s)}), "${SERIES_LABEL}", "${s.metric}", "", "")`)
        .join("\nor\n");
    if (!source.exportedBy) return anyMissing;
    // A paused stack (the Deployment scaled to zero) exports nothing, on purpose.
    const wantsPods = `max(${sel(KSM.deploymentSpecReplicas, { [LABELS.namespace]: namespace, deployment: source.exportedBy })}) > 0`;
    return `(\n${anyMissing}\n)\nand on ()\n${wantsPods}`;
}

export function absentAlerts(s: RuleSettings): RuleArea {
    const alerts: AlertDef[] = (Object.keys(WATCHED_SOURCES) as SourceName[]).map((name) => {
        const source: WatchedSource = WATCHED_SOURCES[name];
        const a = ABSENT_ALERTS[name];
        return {
            alert: a.alert,
            expr: absentExpr(s.namespace, source),
            for: FOR.metricsAbsent,
            severity: "warning",
            summary: `Prometheus is missing ${a.what}: the alerts that read them are blind.`,
            description:
                `No {{ $labels.${SERIES_LABEL} }} series of {{ $labels.namespace }} for ${FOR.metricsAbsent} (absent = {{ $value }}): ` +
                `every rule that reads it sees nothing and stays silent. ${a.cause}`,
        };
    });
    return { name: "absent", alerts };
}
