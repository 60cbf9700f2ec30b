/**
 * Monitoring for one stack: the PrometheusRule (alerts + recording rules), what Prometheus
 * scrapes (PodMonitor for the app's JSON through json_exporter, ServiceMonitors for the
 * exporters), the exporters themselves, where alerts go (AlertmanagerConfig with the Slack
 * webhook and PagerDuty key from a Secret), the Grafana dashboard, and the NetworkPolicies that
 * let the scrapes through. Needs prometheus-operator (kube-prometheus-stack) in the cluster.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext, recommendedLabels, selectorLabels } from "../shared/labels";
import { WORKLOADS } from "../shared/names";
import { alertmanagerConfigSpec, ALERTING_SECRET_KEYS } from "./alertmanager";
import { EXPORTER_PORTS, JOBS } from "./contract";
import { buildDashboard } from "./dashboard";
import { JSON_EXPORTER_CONFIG_KEY, jsonExporterPodSpec, postgresExporterPodSpec } from "./exporters";
import { apiFromJsonExporterPolicySpec, jsonExporterPolicySpec, postgresExporterPolicySpec } from "./network";
import { buildPrometheusRuleSpec, ruleSettingsFromConfig } from "./rule-builder";
import { appMetricsPodMonitorSpec, exporterServiceMonitorSpec, METRICS_PORT_NAME } from "./scrape";

export const MONITORING_TYPE = "ologywood:monitoring:Monitoring";
/** The json_exporter config file, loaded as it is into a ConfigMap. */
export const JSON_EXPORTER_CONFIG_FILE = join(__dirname, "json-exporter.yml");

const MONITORING_V1 = "monitoring.coreos.com/v1";
const MONITORING_V1ALPHA1 = "monitoring.coreos.com/v1alpha1";
const COMPONENT = "monitoring";

export interface MonitoringArgs {
    /** The stack's namespace (created by the Namespace component). */
    namespace: string;
    /** Instance and version for the recommended labels. */
    labels: LabelContext;
    /** Labels the Prometheus operator selects rules, monitors and AlertmanagerConfigs by (config monitoring.ruleSelectorLabels). */
    selectorLabels: Record<string, string>;
    /** Namespace of Prometheus, let in to the exporters' ports. @default "monitoring" */
    prometheusNamespace?: string;
    /** The API's container port and JSON metrics path (config app.port, app.metricsPath). */
    app: { port: number; metricsPath: string };
    /** The database server, for postgres_exporter's egress (config db.cidr, db.port). */
    database: { cidr: string; port: number };
    /** Backup schedule and Job deadline: the backup freshness alert follows them (config backup.*). */
    backup: { schedule: string; jobDeadlineSeconds: number };
    /** Slack incoming webhook (a secret) and channel: critical and warning alerts. */
    slack: { webhookUrl: pulumi.Input<string>; channel: string };
    /** PagerDuty Events API v2 routing key (a secret): critical alerts page. */
    pagerDutyRoutingKey: pulumi.Input<string>;
    /** Pinned exporter images (config monitoring.jsonExporterImage, monitoring.postgresExporterImage). */
    images: { jsonExporter: string; postgresExporter: string };
}

export class Monitoring extends pulumi.ComponentResource {
    readonly prometheusRule: k8s.apiextensions.CustomResource;
    readonly alertmanagerConfig: k8s.apiextensions.CustomResource;
    readonly dashboard: k8s.core.v1.ConfigMap;
    /** Name of the PrometheusRule, for the release pipeline. */
    readonly ruleName: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MONITORING_TYPE, name, {}, opts);
        const ns = args.namespace;
        const prometheusNamespace = args.prometheusNamespace ?? "monitoring";
        const parent = { parent: this };
        const labels = (role: string) => recommendedLabels(args.labels, `ologywood-${role}`, COMPONENT);
        const meta = (objName: string, role: string, extra: Record<string, string> = {}) =>
            ({ name: objName, namespace: ns, labels: { ...labels(role), ...extra } });
        const selected = (objName: string, role: string) => meta(objName, role, args.selectorLabels);
        const apiSelector = selectorLabels(args.labels, WORKLOADS.api);

        // Alerts and recording rules.
        this.prometheusRule = new k8s.apiextensions.CustomResource(`${name}-rules`, {
            apiVersion: MONITORING_V1, kind: "PrometheusRule",
            metadata: selected("ologywood-rules", "rules"),
            spec: buildPrometheusRuleSpec(ruleSettingsFromConfig({ namespace: ns, backup: args.backup })),
        }, parent);
        this.ruleName = this.prometheusRule.metadata.name;

        // Exporters: ServiceAccount, Deployment, Service, ServiceMonitor, NetworkPolicy each.
        const jsonExporterConfig = readFileSync(JSON_EXPORTER_CONFIG_FILE, "utf8");
        const jsonConfig = new k8s.core.v1.ConfigMap(`${name}-json-exporter-config`, {
            metadata: meta(JOBS.jsonExporter, "json-exporter"),
            data: { [JSON_EXPORTER_CONFIG_KEY]: jsonExporterConfig },
        }, parent);
        const json = this.exporter(name, "json-exporter", JOBS.jsonExporter, EXPORTER_PORTS.jsonExporter, args,
            (sa) => jsonExporterPodSpec({ serviceAccountName: sa, image: args.images.jsonExporter, configMapName: JOBS.jsonExporter }),
            // A new config rolls the pods.
            { "checksum/config": checksum(jsonExporterConfig) }, [jsonConfig]);
        const pg = this.exporter(name, "postgres-exporter", JOBS.postgresExporter, EXPORTER_PORTS.postgresExporter, args,
            (sa) => postgresExporterPodSpec({ serviceAccountName: sa, image: args.images.postgresExporter }));

        new k8s.networking.v1.NetworkPolicy(`${name}-json-exporter-policy`, {
            metadata: meta("ologywood-json-exporter", "json-exporter"),
            spec: jsonExporterPolicySpec({ exporterSelector: json.selector, apiSelector, appPort: args.app.port, prometheusNamespace }),
        }, parent);
        new k8s.networking.v1.NetworkPolicy(`${name}-api-from-json-exporter-policy`, {
            metadata: meta("ologywood-api-from-json-exporter", "json-exporter"),
            spec: apiFromJsonExporterPolicySpec({ exporterSelector: json.selector, apiSelector, appPort: args.app.port }),
        }, parent);
        new k8s.networking.v1.NetworkPolicy(`${name}-postgres-exporter-policy`, {
            metadata: meta("ologywood-postgres-exporter", "postgres-exporter"),
            spec: postgresExporterPolicySpec({ exporterSelector: pg.selector, prometheusNamespace, dbCidr: args.database.cidr, dbPort: args.database.port }),
        }, parent);

        // The app's JSON /metrics of every API pod, through json_exporter.
        new k8s.apiextensions.CustomResource(`${name}-app-metrics`, {
            apiVersion: MONITORING_V1, kind: "PodMonitor",
            metadata: selected(JOBS.appMetrics, "app-metrics"),
            spec: appMetricsPodMonitorSpec({ namespace: ns, apiSelector, appPort: args.app.port, metricsPath: args.app.metricsPath }),
        }, { parent: this, dependsOn: [json.service] });

        // Where alerts go: the secrets stay in a Secret, the CR only names it.
        const secret = new k8s.core.v1.Secret(`${name}-alerting`, {
            metadata: meta("ologywood-alerting", "alerting"),
            type: "Opaque",
            stringData: {
                [ALERTING_SECRET_KEYS.slackWebhookUrl]: pulumi.secret(args.slack.webhookUrl),
                [ALERTING_SECRET_KEYS.pagerDutyRoutingKey]: pulumi.secret(args.pagerDutyRoutingKey),
            },
        }, parent);
        this.alertmanagerConfig = new k8s.apiextensions.CustomResource(`${name}-alertmanager`, {
            apiVersion: MONITORING_V1ALPHA1, kind: "AlertmanagerConfig",
            metadata: selected("ologywood", "alerting"),
            spec: alertmanagerConfigSpec({ secretName: "ologywood-alerting", slackChannel: args.slack.channel }),
        }, { parent: this, dependsOn: [secret] });

        // The dashboard, for Grafana's sidecar (label grafana_dashboard: "1").
        this.dashboard = new k8s.core.v1.ConfigMap(`${name}-dashboard`, {
            metadata: meta("ologywood-dashboard", "dashboard", { grafana_dashboard: "1" }),
            data: { [`ologywood-${ns}.json`]: JSON.stringify(buildDashboard(ns), null, 2) },
        }, parent);

        this.registerOutputs({ ruleName: this.ruleName, alertmanagerConfig: this.alertmanagerConfig, dashboard: this.dashboard });
    }

    /** ServiceAccount, Deployment, Service (named like the job) and ServiceMonitor of one exporter. */
    private exporter(name: string, role: string, service: string, port: number, args: MonitoringArgs,
        podSpec: (serviceAccountName: string) => k8s.types.input.core.v1.PodSpec, podAnnotations: Record<string, string> = {},
        dependsOn: pulumi.Resource[] = []) {
        const parent = { parent: this };
        const objName = `ologywood-${role}`;
        const labels = recommendedLabels(args.labels, objName, COMPONENT);
        const selector = selectorLabels(args.labels, objName);
        const metadata = { name: objName, namespace: args.namespace, labels };
        const sa = new k8s.core.v1.ServiceAccount(`${name}-${role}-sa`, { metadata, automountServiceAccountToken: false }, parent);
        new k8s.apps.v1.Deployment(`${name}-${role}`, {
            metadata,
            spec: {
                replicas: 1,
                selector: { matchLabels: selector },
                template: { metadata: { labels, annotations: podAnnotations }, spec: podSpec(objName) },
            },
        }, { parent: this, dependsOn: [sa, ...dependsOn] });
        const svc = new k8s.core.v1.Service(`${name}-${role}-service`, {
            metadata: { ...metadata, name: service },
            spec: { selector, ports: [{ name: METRICS_PORT_NAME, port, targetPort: METRICS_PORT_NAME, protocol: "TCP" }] },
        }, parent);
        new k8s.apiextensions.CustomResource(`${name}-${role}-monitor`, {
            apiVersion: MONITORING_V1, kind: "ServiceMonitor",
            metadata: { ...metadata, labels: { ...labels, ...args.selectorLabels } },
            spec: exporterServiceMonitorSpec(args.namespace, selector),
        }, { parent: this, dependsOn: [svc] });
        return { selector, service: svc };
    }
}

function checksum(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
