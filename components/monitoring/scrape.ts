/**
 * What Prometheus scrapes for a stack (prometheus-operator monitoring.coreos.com/v1 specs):
 * - every API pod's JSON /metrics, probed through json_exporter (the multi-target exporter
 *   pattern done with a PodMonitor: one target per pod, so each replica's numbers stay apart);
 * - json_exporter's and postgres_exporter's own /metrics, through their Services.
 * Field names as in @kubernetes-models/prometheus-operator (PodMonitorSpec, ServiceMonitorSpec).
 */
import { EXPORTER_PORTS, JOBS, JSON_EXPORTER_MODULE, SCRAPE_INTERVAL } from "../../metrics/contract";

export const METRICS_PORT_NAME = "http-metrics";

export interface AppMetricsMonitorArgs {
    namespace: string;
    /** Labels of the API pods. */
    apiSelector: Record<string, string>;
    /** Name of the API container's port (the ApiService names it "http"). */
    appPortName: string;
    /** The app's JSON metrics path (config app.metricsPath). */
    metricsPath: string;
}

/** The in-cluster address of json_exporter's Service (its name is the job name). */
export function jsonExporterAddress(namespace: string): string {
    return `${JOBS.jsonExporter}.${namespace}.svc:${EXPORTER_PORTS.jsonExporter}`;
}

export function appMetricsPodMonitorSpec(a: AppMetricsMonitorArgs) {
    return {
        selector: { matchLabels: a.apiSelector },
        namespaceSelector: { matchNames: [a.namespace] },
        podMetricsEndpoints: [
            {
                port: a.appPortName,
                path: "/probe",
                params: { module: [JSON_EXPORTER_MODULE] },
                interval: SCRAPE_INTERVAL,
                scrapeTimeout: "10s",
                relabelings: [
                    // The pod's own address becomes the probe target ...
                    {
                        sourceLabels: ["__address__"],
                        targetLabel: "__param_target",
                        regex: "(.*)",
                        replacement: `http://$1${a.metricsPath}`,
                        action: "replace",
                    },
                    // ... and Prometheus asks json_exporter instead of the pod.
                    { targetLabel: "__address__", replacement: jsonExporterAddress(a.namespace), action: "replace" },
                    { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "instance", action: "replace" },
                    { targetLabel: "job", replacement: JOBS.appMetrics, action: "replace" },
                ],
            },
        ],
    };
}

/** A ServiceMonitor for an exporter's Service, whose name is the job name. */
export function exporterServiceMonitorSpec(namespace: string, serviceSelector: Record<string, string>) {
    return {
        selector: { matchLabels: serviceSelector },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ port: METRICS_PORT_NAME, path: "/metrics", interval: SCRAPE_INTERVAL, scrapeTimeout: "10s" }],
    };
}
