/**
 * The stack's Grafana dashboard, generated: the deployment plan's three groups of panels
 * (application, business, infrastructure). Every query selects the stack's namespace and uses only
 * series listed in the contract (scraped or recorded), which the tests check with promtool.
 *
 * The business panels read fields the app does not report yet (APP_BUSINESS_JSON_FIELDS): they are
 * left out unless `ologywood:monitoring.businessMetrics` says the app reports them, and then say
 * which field is missing instead of showing an empty graph.
 */
import {
    APP_BUSINESS_JSON_FIELDS as BIZ_FIELDS,
    APP_BUSINESS_METRICS as BIZ,
    CLUSTER_METRICS as CLUSTER,
    JOBS,
    KUBE_STATE_METRICS as KSM,
    LABELS,
    METRICS,
    RECORDING_RULES,
    SLI_SERVICE,
    THRESHOLDS,
} from "../../metrics/contract";
import { re, sel } from "./promql";

interface Target {
    expr: string;
    legend: string;
}
interface PanelDef {
    title: string;
    description: string;
    unit: string;
    targets: Target[];
    /** Horizontal lines at the plan's thresholds: [value, color]. */
    thresholds?: [number, string][];
    /** The app's optional JSON fields the panel needs (keys of APP_BUSINESS_JSON_FIELDS). */
    business?: (keyof typeof BIZ_FIELDS)[];
}
/** A markdown note in place of panels that are left out. */
interface NoteDef {
    title: string;
    note: string;
}
interface RowDef {
    title: string;
    panels: (PanelDef | NoteDef)[];
}

export interface DashboardOptions {
    /** The app reports APP_BUSINESS_JSON_FIELDS (config monitoring.businessMetrics): show the panels that read them. */
    businessMetrics: boolean;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const PANEL = { w: 8, h: 8 };

export function dashboardRows(namespace: string, options: DashboardOptions): RowDef[] {
    const ns = { [LABELS.namespace]: namespace };
    const app = { ...ns, job: JOBS.appMetrics };
    const ingress = { ...ns, [LABELS.service]: SLI_SERVICE };
    const pg = { ...ns, job: JOBS.postgresExporter };
    const containers = { ...ns, container: re(".+") };
    const quantile = (q: number, by = "") =>
        `histogram_quantile(${q}, sum by (${[LABELS.le, by].filter(Boolean).join(", ")}) (rate(${sel(METRICS.ingressRequestDurationBucket, by ? ns : ingress)}[5m])))`;
    const inc = (metric: string, window: string) => `sum(increase(${sel(metric, app)}[${window}]))`;
    const budget = 1 - THRESHOLDS.slo.availability;
    const ok = THRESHOLDS.acceptable;
    const rb = THRESHOLDS.rollback;
    return [
        {
            title: "Application",
            panels: [
                {
                    title: "Request rate",
                    unit: "reqps",
                    description: "Requests to the API through the ingress, all replicas, by status.",
                    targets: [
                        { expr: sel(RECORDING_RULES.requestRate("5m"), ns), legend: "all" },
                        { expr: `sum by (${LABELS.status}) (rate(${sel(METRICS.ingressRequests, ingress)}[5m]))`, legend: "{{status}}" },
                    ],
                },
                {
                    title: "Error rate",
                    unit: "percentunit",
                    description: "5xx share at the ingress (the SLI) and as the API pods report it.",
                    thresholds: [
                        [ok.errorRate, "orange"],
                        [rb.errorRate, "red"],
                    ],
                    targets: [
                        { expr: sel(RECORDING_RULES.errorRatio("5m"), ns), legend: "ingress 5xx (5m)" },
                        { expr: `avg(${sel(METRICS.appErrorRate, app)})`, legend: "app (avg over pods)" },
                    ],
                },
                {
                    title: "Response time p50 / p95 / p99",
                    unit: "s",
                    description: "Ingress request duration percentiles over 5 minutes, and the app's own p95.",
                    thresholds: [
                        [ok.responseTimeP95Seconds, "orange"],
                        [rb.responseTimeP95Seconds, "red"],
                    ],
                    targets: [
                        { expr: quantile(0.5), legend: "p50" },
                        { expr: sel(RECORDING_RULES.latencyP95, ns), legend: "p95" },
                        { expr: quantile(0.99), legend: "p99" },
                        { expr: `max(${sel(METRICS.appResponseTimeP95, app)})`, legend: "app p95 (slowest pod)" },
                    ],
                },
                {
                    title: "Active users",
                    unit: "short",
                    description: "Users with a session in the last 5 minutes, as the API pods report them.",
                    targets: [{ expr: `sum(${sel(BIZ.activeUsers, app)})`, legend: "active users" }],
                    business: ["activeUsers"],
                },
                {
                    title: "Endpoint latency p95",
                    unit: "s",
                    description: "p95 per ingress path of the namespace.",
                    targets: [{ expr: quantile(0.95, "path"), legend: "{{path}}" }],
                },
                {
                    title: "Error budget burn rate",
                    unit: "short",
                    description: `How fast the ${THRESHOLDS.slo.windowDays}-day error budget burns (1 = exactly on budget; pages at 14.4 over 1h, 6 over 6h).`,
                    thresholds: [
                        [6, "orange"],
                        [14.4, "red"],
                    ],
                    targets: [
                        { expr: `${sel(RECORDING_RULES.errorRatio("1h"), ns)} / ${budget.toPrecision(3)}`, legend: "1h" },
                        { expr: `${sel(RECORDING_RULES.errorRatio("6h"), ns)} / ${budget.toPrecision(3)}`, legend: "6h" },
                        { expr: `${sel(RECORDING_RULES.errorRatio("3d"), ns)} / ${budget.toPrecision(3)}`, legend: "3d" },
                    ],
                },
            ],
        },
        {
            title: "Business",
            panels: [
                {
                    title: "Bookings per hour",
                    unit: "short",
                    description: "Bookings created in the last hour (all API pods).",
                    targets: [{ expr: inc(BIZ.bookingsCreated, "1h"), legend: "bookings / h" }],
                    business: ["bookingsCreated"],
                },
                {
                    title: "Booking success rate",
                    unit: "percentunit",
                    description: "Created / (created + failed) booking requests over the last hour.",
                    targets: [
                        {
                            expr: `${inc(BIZ.bookingsCreated, "1h")} / (${inc(BIZ.bookingsCreated, "1h")} + ${inc(BIZ.bookingsFailed, "1h")})`,
                            legend: "success",
                        },
                    ],
                    business: ["bookingsCreated", "bookingsFailed"],
                },
                {
                    title: "Booking confirmation rate",
                    unit: "percentunit",
                    description: "Bookings confirmed / created over the last day.",
                    targets: [{ expr: `${inc(BIZ.bookingsConfirmed, "1d")} / ${inc(BIZ.bookingsCreated, "1d")}`, legend: "confirmed" }],
                    business: ["bookingsConfirmed", "bookingsCreated"],
                },
                {
                    title: "Email delivery rate",
                    unit: "percentunit",
                    description: "Emails sent / (sent + failed) over the last hour.",
                    targets: [{ expr: `${inc(BIZ.emailsSent, "1h")} / (${inc(BIZ.emailsSent, "1h")} + ${inc(BIZ.emailsFailed, "1h")})`, legend: "delivered" }],
                    business: ["emailsSent", "emailsFailed"],
                },
                {
                    title: "Email queue",
                    unit: "short",
                    description: "Booking emails waiting to be sent.",
                    thresholds: [[ok.emailQueueSize, "orange"]],
                    targets: [{ expr: `max(${sel(METRICS.appEmailQueueSize, app)})`, legend: "queued" }],
                },
                ...(options.businessMetrics
                    ? []
                    : [
                          {
                              title: "Business panels are off",
                              note:
                                  "Bookings per hour, booking success and confirmation rates, email delivery rate and active users need fields the app's JSON " +
                                  `\`/metrics\` does not report yet: ${Object.values(BIZ_FIELDS)
                                      .map((f) => `\`${f}\``)
                                      .join(", ")}. ` +
                                  "Once it does, set `ologywood:monitoring.businessMetrics` to true (docs/monitoring.md).",
                          },
                      ]),
            ],
        },
        {
            title: "Infrastructure",
            panels: [
                {
                    title: "CPU usage",
                    unit: "short",
                    description: "CPU cores used per pod.",
                    targets: [{ expr: `sum by (pod) (rate(${sel(CLUSTER.containerCpu, containers)}[5m]))`, legend: "{{pod}}" }],
                },
                {
                    title: "Memory usage",
                    unit: "bytes",
                    description: "Working set per pod.",
                    targets: [{ expr: `sum by (pod) (${sel(CLUSTER.containerMemory, containers)})`, legend: "{{pod}}" }],
                },
                {
                    title: "Disk usage",
                    unit: "percentunit",
                    description: "Used share of each PersistentVolumeClaim (backups).",
                    thresholds: [
                        [0.8, "orange"],
                        [0.9, "red"],
                    ],
                    targets: [
                        {
                            expr: `max by (persistentvolumeclaim) (${sel(CLUSTER.volumeUsedBytes, ns)} / ${sel(CLUSTER.volumeCapacityBytes, ns)})`,
                            legend: "{{persistentvolumeclaim}}",
                        },
                    ],
                },
                {
                    title: "Database connections",
                    unit: "percentunit",
                    description: "Connections in use as a share of the server's max_connections, and the API pools.",
                    thresholds: [[ok.dbConnectionRatio, "red"]],
                    targets: [
                        { expr: sel(RECORDING_RULES.dbConnectionRatio, ns), legend: "share of max_connections" },
                        { expr: `sum(${sel(METRICS.appDbConnections, app)}) / max(${sel(METRICS.pgMaxConnections, pg)})`, legend: "API pools" },
                    ],
                },
                {
                    title: "Network",
                    unit: "Bps",
                    description: "Bytes per second received and sent by the stack's pods.",
                    targets: [
                        { expr: `sum(rate(${sel(CLUSTER.containerNetworkReceive, ns)}[5m]))`, legend: "received" },
                        { expr: `sum(rate(${sel(CLUSTER.containerNetworkTransmit, ns)}[5m]))`, legend: "sent" },
                    ],
                },
                {
                    title: "Replicas available / desired",
                    unit: "short",
                    description: "Per Deployment, from kube-state-metrics.",
                    targets: [
                        { expr: `max by (deployment) (${sel(KSM.deploymentAvailableReplicas, ns)})`, legend: "{{deployment}} available" },
                        { expr: `max by (deployment) (${sel(KSM.deploymentSpecReplicas, ns)})`, legend: "{{deployment}} desired" },
                    ],
                },
            ],
        },
    ];
}

/** Grafana dashboard JSON model (schemaVersion 39) for one stack. */
export function buildDashboard(namespace: string, options: DashboardOptions) {
    const panels: any[] = [];
    let id = 1;
    let y = 0;
    for (const row of dashboardRows(namespace, options)) {
        const shown = row.panels.filter((p) => !("business" in p && p.business && !options.businessMetrics));
        panels.push({ type: "row", id: id++, title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
        shown.forEach((p, i) => {
            const at = { x: (i % 3) * PANEL.w, y: y + Math.floor(i / 3) * PANEL.h };
            panels.push("note" in p ? notePanel(p, id++, at) : panel(p, id++, at));
        });
        y += Math.ceil(shown.length / 3) * PANEL.h;
    }
    return {
        uid: `ologywood-${namespace}`.slice(0, 40),
        title: `Ologywood (${namespace})`,
        description: "Generated by the ologywood Pulumi program (components/monitoring/dashboard.ts): edits in Grafana are overwritten.",
        tags: ["ologywood", namespace],
        timezone: "utc",
        editable: false,
        schemaVersion: 39,
        version: 1,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", hide: 0, current: {}, options: [], refresh: 1 }],
        },
        annotations: { list: [] },
        panels,
    };
}

function panel(p: PanelDef, id: number, at: { x: number; y: number }) {
    return {
        type: "timeseries",
        id,
        title: p.title,
        description: p.description,
        datasource: DATASOURCE,
        gridPos: { h: PANEL.h, w: PANEL.w, x: at.x, y: at.y },
        fieldConfig: {
            defaults: {
                unit: p.unit,
                // Grafana shows this instead of an empty graph: which field the app does not report.
                ...(p.business ? { noValue: `No data: the app's JSON /metrics has no ${p.business.map((k) => BIZ_FIELDS[k]).join(" or ")}` } : {}),
                custom: { thresholdsStyle: { mode: p.thresholds ? "line" : "off" } },
                thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))] },
            },
            overrides: [],
        },
        options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
        targets: p.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
    };
}

function notePanel(n: NoteDef, id: number, at: { x: number; y: number }) {
    return { type: "text", id, title: n.title, gridPos: { h: PANEL.h, w: 24 - at.x, x: at.x, y: at.y }, options: { mode: "markdown", content: n.note } };
}
