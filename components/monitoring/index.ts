/**
 * Monitoring for one stack: the PrometheusRule (alerts + recording rules), what Prometheus
 * scrapes (a PodMonitor for the app's JSON through json_exporter, ServiceMonitors for the
 * exporters), the exporters themselves, where alerts go (AlertmanagerConfig with the Slack
 * webhook and PagerDuty key in a Secret), the Grafana dashboard, and the NetworkPolicies that let
 * the scrapes through. Needs prometheus-operator (kube-prometheus-stack) in the cluster.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext, recommendedLabels, selectorLabels } from "../shared/labels";
import { WORKLOADS } from "../shared/names";
import { allowPolicy, fromNamespace, fromPods, toCidr, toPods } from "../shared/network";
import { disruptionBudget, serviceAccount } from "../shared/workload";
import { alertmanagerConfigSpec, ALERTING_SECRET_KEYS } from "./alertmanager";
import { EXPORTER_PORTS, JOBS } from "../../metrics/contract";
import { buildDashboard } from "./dashboard";
import { JSON_EXPORTER_CONFIG_KEY, jsonExporterPodSpec, postgresExporterPodSpec } from "./exporters";
import { buildPrometheusRuleSpec, ruleSettingsFromConfig } from "./rule-builder";
import { appMetricsPodMonitorSpec, exporterServiceMonitorSpec, METRICS_PORT_NAME } from "./scrape";
import { COMPONENT_TYPES } from "../shared/types";

export const MONITORING_TYPE = COMPONENT_TYPES.monitoring;
/** The json_exporter config file, loaded as it is into a ConfigMap. */
export const JSON_EXPORTER_CONFIG_FILE = join(__dirname, "json-exporter.yml");
/** Object names other parts of the project refer to. */
export const MONITORING_NAMES = {
    rule: "ologywood-rules",
    alertmanagerConfig: "ologywood",
    alertingSecret: "ologywood-alerting",
    dashboard: "ologywood-dashboard",
} as const;

const MONITORING_V1 = "monitoring.coreos.com/v1";
const MONITORING_V1ALPHA1 = "monitoring.coreos.com/v1alpha1";
const COMPONENT = "monitoring";

export interface MonitoringArgs {
    /** The stack's namespace (pass the Namespace's name output, so everything waits for it). */
    namespace: pulumi.Input<string>;
    /** Instance and version for the recommended labels. */
    labels: LabelContext;
    /** Labels the Prometheus operator selects rules, monitors and AlertmanagerConfigs by (config monitoring.ruleSelectorLabels). */
    selectorLabels: Record<string, string>;
    /** Namespace of Prometheus, let in to the exporters' ports. @default "monitoring" */
    prometheusNamespace?: string;
    /** The API container's port name and the app's JSON metrics path (config app.metricsPath). */
    app: { portName?: string; metricsPath: string };
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
    /** The app reports the optional business fields: the dashboard shows their panels (config monitoring.businessMetrics). @default false */
    businessMetrics?: boolean;
}

export class Monitoring extends pulumi.ComponentResource {
    readonly prometheusRule: k8s.apiextensions.CustomResource;
    readonly alertmanagerConfig: k8s.apiextensions.CustomResource;
    readonly dashboard: k8s.core.v1.ConfigMap;
    /** Name of the PrometheusRule, for the release pipeline. */
    readonly ruleName: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MONITORING_TYPE, name, {}, opts);
        const namespace = pulumi.output(args.namespace);
        const prometheusNamespace = args.prometheusNamespace ?? "monitoring";
        const appPort = args.app.portName ?? "http";
        const parent = { parent: this };
        const labelsOf = (objName: string) => recommendedLabels(args.labels, objName, COMPONENT);
        const meta = (objName: string, extra: Record<string, string> = {}) => ({ name: objName, namespace, labels: { ...labelsOf(objName), ...extra } });
        const apiSelector = selectorLabels(args.labels, WORKLOADS.api);

        // Alerts and recording rules: every expression selects this namespace.
        this.prometheusRule = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: MONITORING_V1,
                kind: "PrometheusRule",
                metadata: meta(MONITORING_NAMES.rule, args.selectorLabels),
                spec: namespace.apply((ns) => buildPrometheusRuleSpec(ruleSettingsFromConfig({ namespace: ns, backup: args.backup }))),
            },
            parent,
        );
        this.ruleName = this.prometheusRule.metadata.name;

        // json_exporter: the app's JSON /metrics as Prometheus series.
        const jsonExporterConfig = readFileSync(JSON_EXPORTER_CONFIG_FILE, "utf8");
        const jsonConfig = new k8s.core.v1.ConfigMap(
            `${name}-json-exporter-config`,
            {
                metadata: meta(JOBS.jsonExporter),
                data: { [JSON_EXPORTER_CONFIG_KEY]: jsonExporterConfig },
            },
            parent,
        );
        const json = this.exporter(
            name,
            "json-exporter",
            JOBS.jsonExporter,
            EXPORTER_PORTS.jsonExporter,
            args,
            (sa) => jsonExporterPodSpec({ serviceAccountName: sa, image: args.images.jsonExporter, configMapName: JOBS.jsonExporter }),
            { "checksum/config": checksum(jsonExporterConfig) },
            [jsonConfig],
        );
        allowPolicy(
            `${name}-json-exporter-network`,
            {
                namespace,
                labels: labelsOf(JOBS.jsonExporter),
                podLabels: json.selector,
                ingress: [fromNamespace(prometheusNamespace, METRICS_PORT_NAME)],
                egress: [toPods(apiSelector, appPort)],
            },
            parent,
        );
        // On the API pods' side (policies add up): json_exporter may ask them for /metrics.
        allowPolicy(
            `${name}-api-from-json-exporter-network`,
            {
                namespace,
                labels: labelsOf(JOBS.jsonExporter),
                podLabels: apiSelector,
                ingress: [fromPods(json.selector, appPort)],
            },
            parent,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-app-metrics`,
            {
                apiVersion: MONITORING_V1,
                kind: "PodMonitor",
                metadata: meta(JOBS.appMetrics, args.selectorLabels),
                spec: namespace.apply((ns) =>
                    appMetricsPodMonitorSpec({ namespace: ns, apiSelector, appPortName: appPort, metricsPath: args.app.metricsPath }),
                ),
            },
            { parent: this, dependsOn: [json.service] },
        );

        // postgres_exporter, with the read-only monitoring role.
        const pg = this.exporter(name, "postgres-exporter", JOBS.postgresExporter, EXPORTER_PORTS.postgresExporter, args, (sa) =>
            postgresExporterPodSpec({ serviceAccountName: sa, image: args.images.postgresExporter }),
        );
        allowPolicy(
            `${name}-postgres-exporter-network`,
            {
                namespace,
                labels: labelsOf(JOBS.postgresExporter),
                podLabels: pg.selector,
                ingress: [fromNamespace(prometheusNamespace, METRICS_PORT_NAME)],
                egress: [toCidr(args.database.cidr, args.database.port)],
            },
            parent,
        );

        // Where alerts go: the secrets live in a Secret, the CR only names it.
        const secret = new k8s.core.v1.Secret(
            `${name}-alerting`,
            {
                metadata: meta(MONITORING_NAMES.alertingSecret),
                type: "Opaque",
                stringData: {
                    [ALERTING_SECRET_KEYS.slackWebhookUrl]: pulumi.secret(args.slack.webhookUrl),
                    [ALERTING_SECRET_KEYS.pagerDutyRoutingKey]: pulumi.secret(args.pagerDutyRoutingKey),
                },
            },
            parent,
        );
        this.alertmanagerConfig = new k8s.apiextensions.CustomResource(
            `${name}-alertmanager`,
            {
                apiVersion: MONITORING_V1ALPHA1,
                kind: "AlertmanagerConfig",
                metadata: meta(MONITORING_NAMES.alertmanagerConfig, args.selectorLabels),
                spec: alertmanagerConfigSpec({ secretName: MONITORING_NAMES.alertingSecret, slackChannel: args.slack.channel }),
            },
            { parent: this, dependsOn: [secret] },
        );

        // The dashboard, for Grafana's sidecar (label grafana_dashboard: "1").
        this.dashboard = new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: meta(MONITORING_NAMES.dashboard, { grafana_dashboard: "1" }),
                data: namespace.apply((ns) => ({
                    [`ologywood-${ns}.json`]: JSON.stringify(buildDashboard(ns, { businessMetrics: args.businessMetrics ?? false }), null, 2),
                })),
            },
            parent,
        );

        this.registerOutputs({ ruleName: this.ruleName, alertmanagerConfig: this.alertmanagerConfig, dashboard: this.dashboard });
    }

    /** ServiceAccount, Deployment, Service (named like its job) and ServiceMonitor of one exporter. */
    private exporter(
        name: string,
        role: string,
        objName: string,
        port: number,
        args: MonitoringArgs,
        podSpec: (serviceAccountName: string) => k8s.types.input.core.v1.PodSpec,
        podAnnotations: Record<string, string> = {},
        dependsOn: pulumi.Resource[] = [],
    ) {
        const labels = recommendedLabels(args.labels, objName, COMPONENT);
        const selector = selectorLabels(args.labels, objName);
        const metadata = { name: objName, namespace: args.namespace, labels };
        const sa = serviceAccount(`${name}-${role}-sa`, { namespace: args.namespace, labels, accountName: objName }, this);
        new k8s.apps.v1.Deployment(
            `${name}-${role}`,
            {
                metadata,
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: { metadata: { labels, annotations: podAnnotations }, spec: podSpec(objName) },
                },
            },
            { parent: this, dependsOn: [sa, ...dependsOn] },
        );
        // One replica: a drain may take it (a short scrape gap), like every workload's budget.
        disruptionBudget(`${name}-${role}-pdb`, { namespace: args.namespace, labels, selector, pdbName: objName }, this);
        const service = new k8s.core.v1.Service(
            `${name}-${role}-service`,
            {
                metadata,
                spec: { selector, ports: [{ name: METRICS_PORT_NAME, port, targetPort: METRICS_PORT_NAME, protocol: "TCP" }] },
            },
            { parent: this },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-${role}-monitor`,
            {
                apiVersion: MONITORING_V1,
                kind: "ServiceMonitor",
                metadata: { ...metadata, labels: { ...labels, ...args.selectorLabels } },
                spec: pulumi.output(args.namespace).apply((ns) => exporterServiceMonitorSpec(ns, selector)),
            },
            { parent: this, dependsOn: [service] },
        );
        return { selector, service };
    }
}

function checksum(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
