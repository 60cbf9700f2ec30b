/** `ologywood:monitoring`: where the metrics live and who gets paged. */
import { z } from "zod";
import { boolean, dnsLabel, secretString, url } from "./types";

const image = (example: string) =>
    z
        .string({ error: `expected a pinned image reference such as ${example}` })
        .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?$/, {
            error: `expected a pinned image reference with a tag, such as ${example}`,
        })
        .refine((v) => !/:latest(@|$)/.test(v), { error: `expected a pinned tag, not latest (e.g. ${example})` });

const JSON_EXPORTER_IMAGE = "quay.io/prometheuscommunity/json-exporter:v0.7.0";
const POSTGRES_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.18.1";

export const monitoringSchema = z
    .strictObject(
        {
            /** Deploy the PrometheusRule, ServiceMonitors, exporters and dashboard (needs prometheus-operator). */
            enabled: boolean().default(true),
            /** Namespace of Prometheus, allowed to scrape the workloads by NetworkPolicy. */
            prometheusNamespace: dnsLabel().default("monitoring"),
            /** Prometheus HTTP API, read by the release pipeline's bake gate. */
            prometheusUrl: url("the Prometheus base URL, e.g. http://prometheus.monitoring:9090").optional(),
            /**
             * Labels that make the Prometheus operator pick up our PrometheusRule, monitors and
             * AlertmanagerConfig (kube-prometheus-stack: release=<name>).
             */
            ruleSelectorLabels: z.record(z.string(), z.string()).default({ release: "kube-prometheus-stack" }),
            /**
             * PagerDuty Events API v2 integration (routing) key: critical alerts page through it. Required
             * while monitoring is enabled.
             */
            pagerDutyRoutingKey: secretString("a PagerDuty Events API v2 routing key").optional(),
            /** json_exporter image that turns the app's JSON /metrics into Prometheus series. */
            jsonExporterImage: image(JSON_EXPORTER_IMAGE).default(JSON_EXPORTER_IMAGE),
            /** postgres_exporter image (reads the database with the read-only monitoring role). */
            postgresExporterImage: image(POSTGRES_EXPORTER_IMAGE).default(POSTGRES_EXPORTER_IMAGE),
            /**
             * The app's JSON /metrics reports the business fields (bookings, email delivery, active users;
             * list in docs/monitoring.md): the dashboard shows the business panels that read them. Until
             * then they are left out, because they could only ever show "No data".
             */
            businessMetrics: boolean().default(false),
        },
        { error: "expected an object" },
    )
    .superRefine((m, ctx) => {
        if (m.enabled && m.pagerDutyRoutingKey === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["pagerDutyRoutingKey"],
                message:
                    "is required while monitoring is enabled: critical alerts page through it; expected a PagerDuty Events API v2 routing key (a secret: set it with `pulumi config set --secret --path ologywood:monitoring.pagerDutyRoutingKey ...`)",
                input: undefined,
            });
        }
    });
