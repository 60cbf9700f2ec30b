/** `ologywood:monitoring`: where the metrics live and who gets paged. */
import { z } from "zod";
import { boolean, dnsLabel, url } from "./types";

export const monitoringSchema = z.strictObject({
    /** Deploy the PrometheusRule, ServiceMonitors, exporters and dashboard (needs prometheus-operator). */
    enabled: boolean().default(true),
    /** Namespace of Prometheus, allowed to scrape the workloads by NetworkPolicy. */
    prometheusNamespace: dnsLabel().default("monitoring"),
    /** Prometheus HTTP API, read by the release pipeline's bake gate. */
    prometheusUrl: url("the Prometheus base URL, e.g. http://prometheus.monitoring:9090").optional(),
    /** Label that makes the Prometheus operator pick up our rules and monitors (kube-prometheus-stack: release=<name>). */
    ruleSelectorLabels: z.record(z.string(), z.string()).default({ release: "kube-prometheus-stack" }),
}, { error: "expected an object" });
