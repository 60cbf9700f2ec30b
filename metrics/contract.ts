/**
 * The monitoring contract: metric names, labels, recording rules and the deployment plan's
 * thresholds. Alerts, dashboards, the json_exporter config, the smoke/load tests and the release
 * pipeline's bake gate all read these constants, so a threshold or a name changes here only.
 */

import { BACKUP_CRONJOBS, WORKLOADS } from "../components/shared/names";

/** Fields of the application's JSON `GET /metrics` answer (the app's contract). */
export const APP_METRICS_JSON_FIELDS = {
    errorRate: "error_rate",
    responseTimeP95: "response_time_p95",
    dbConnections: "db_connections",
    emailQueueSize: "email_queue_size",
} as const;

/** Prometheus series names, as scraped from each source. */
export const METRICS = {
    // The app's JSON /metrics, turned into series by json_exporter.
    appErrorRate: "ologywood_error_rate",
    appResponseTimeP95: "ologywood_response_time_p95_seconds",
    appDbConnections: "ologywood_db_connections",
    appEmailQueueSize: "ologywood_email_queue_size",
    // ingress-nginx controller: the request SLI across all API replicas.
    ingressRequests: "nginx_ingress_controller_requests",
    ingressRequestDurationBucket: "nginx_ingress_controller_request_duration_seconds_bucket",
    // postgres_exporter, with the read-only monitoring role.
    pgUp: "pg_up",
    pgActivityCount: "pg_stat_activity_count",
    pgMaxConnections: "pg_settings_max_connections",
} as const;

/** Which series json_exporter makes of each APP_METRICS_JSON_FIELDS field (same keys). */
export const APP_METRICS_SERIES = {
    errorRate: METRICS.appErrorRate,
    responseTimeP95: METRICS.appResponseTimeP95,
    dbConnections: METRICS.appDbConnections,
    emailQueueSize: METRICS.appEmailQueueSize,
} as const satisfies Record<keyof typeof APP_METRICS_JSON_FIELDS, string>;

/**
 * Business fields the app MAY add to its JSON /metrics (an assumption, not yet the app's
 * contract): json_exporter maps them with allow_missing_key, so until the app reports them the
 * business panels of the dashboard show "No data" and nothing breaks. Counters are per process.
 */
export const APP_BUSINESS_JSON_FIELDS = {
    bookingsCreated: "bookings_created_total",
    bookingsFailed: "bookings_failed_total",
    bookingsConfirmed: "bookings_confirmed_total",
    emailsSent: "emails_sent_total",
    emailsFailed: "emails_failed_total",
    activeUsers: "active_users",
} as const;

/** Series json_exporter makes of APP_BUSINESS_JSON_FIELDS (same keys). */
export const APP_BUSINESS_METRICS = {
    bookingsCreated: "ologywood_bookings_created_total",
    bookingsFailed: "ologywood_bookings_failed_total",
    bookingsConfirmed: "ologywood_bookings_confirmed_total",
    emailsSent: "ologywood_emails_sent_total",
    emailsFailed: "ologywood_emails_failed_total",
    activeUsers: "ologywood_active_users",
} as const;

/** kube-state-metrics (shipped with kube-prometheus-stack); labels namespace + deployment/job_name/cronjob. */
export const KUBE_STATE_METRICS = {
    deploymentSpecReplicas: "kube_deployment_spec_replicas",
    deploymentAvailableReplicas: "kube_deployment_status_replicas_available",
    /** 1 with condition="true" once a Job has failed for good (backoffLimit or deadline). */
    jobFailed: "kube_job_failed",
    cronJobLastSuccessfulTime: "kube_cronjob_status_last_successful_time",
    cronJobCreated: "kube_cronjob_created",
} as const;

/** cert-manager's controller metrics; labels name (the Certificate) and namespace. */
export const CERT_MANAGER_METRICS = {
    certificateExpiration: "certmanager_certificate_expiration_timestamp_seconds",
    certificateReady: "certmanager_certificate_ready_status",
} as const;

/** kubelet/cAdvisor series scraped by kube-prometheus-stack, for the infrastructure panels. */
export const CLUSTER_METRICS = {
    containerCpu: "container_cpu_usage_seconds_total",
    containerMemory: "container_memory_working_set_bytes",
    containerNetworkReceive: "container_network_receive_bytes_total",
    containerNetworkTransmit: "container_network_transmit_bytes_total",
    volumeUsedBytes: "kubelet_volume_stats_used_bytes",
    volumeCapacityBytes: "kubelet_volume_stats_capacity_bytes",
} as const;

/** Prometheus's own per-target series. */
export const PROMETHEUS_METRICS = { up: "up" } as const;

/**
 * `job` label of each scrape target we declare. The exporters' Services carry these names (a
 * ServiceMonitor's job is the Service name); the PodMonitor of the app's JSON metrics sets its
 * job by relabeling.
 */
export const JOBS = {
    /** The app's JSON /metrics of every API pod, probed through json_exporter. */
    appMetrics: "ologywood-app-metrics",
    /** json_exporter's own /metrics. */
    jsonExporter: "ologywood-json-exporter",
    postgresExporter: "ologywood-postgres-exporter",
} as const;

/** Ports of the exporters (their upstream defaults). */
export const EXPORTER_PORTS = { jsonExporter: 7979, postgresExporter: 9187 } as const;

/** json_exporter module that maps the app's JSON (components/monitoring/json-exporter.yml). */
export const JSON_EXPORTER_MODULE = "ologywood";

/**
 * Only requests the ingress sends to the API Service count for the SLI: while maintenance mode is
 * on, the maintenance page's planned 503s go to another Service and stay out of the error budget.
 */
export const SLI_SERVICE = WORKLOADS.api;

/**
 * Scrape interval we set on our monitors (and assume for ingress-nginx and kube-state-metrics),
 * and the evaluation interval of our rule groups: the timing assumptions of every `for:`.
 * Rules run twice per scrape so that a new sample is seen at most 15 s after it is scraped.
 */
export const SCRAPE_INTERVAL_SECONDS = 30;
export const SCRAPE_INTERVAL = `${SCRAPE_INTERVAL_SECONDS}s`;
export const RULE_EVALUATION_INTERVAL = "15s";

/** Labels the alerts, dashboards and bake gate select on. */
export const LABELS = {
    namespace: "namespace",
    ingress: "ingress",
    status: "status",
    /** Backend Service of an ingress request (ingress-nginx). */
    service: "service",
    /** Histogram bucket bound. */
    le: "le",
    /** Alert severity: critical pages, warning goes to Slack. */
    severity: "severity",
} as const;

/** The deployment plan's numbers ("Acceptable Ranges", "Rollback Decision Criteria", the load test). */
export const THRESHOLDS = {
    /** Plan: "Acceptable Ranges". Crossing one is a warning. */
    acceptable: {
        errorRate: 0.001,
        responseTimeP95Seconds: 2,
        dbConnectionRatio: 0.9,
        emailQueueSize: 100,
    },
    /** Plan: "Rollback Decision Criteria". Crossing one is critical and rolls a release back. */
    rollback: {
        errorRate: 0.01,
        responseTimeP95Seconds: 5,
    },
    /** Plan: "Performance Testing" (50 users for 60 s). */
    loadTest: {
        connections: 50,
        durationSeconds: 60,
        p95Seconds: 2,
        maxErrorRate: 0.001,
        minSuccessRate: 0.999,
    },
    /** Availability SLO behind the burn-rate alerts. */
    slo: {
        availability: 0.999,
        windowDays: 30,
    },
    /** Backups: the latest success may be this much older than the schedule's longest gap plus the Job's deadline. */
    backups: {
        graceSeconds: 1800,
    },
    /** TLS certificates (cert-manager renews 30 days before expiry by default). */
    certificates: {
        renewalOverdueDays: 21,
        expiringDays: 7,
    },
} as const;

/**
 * Multiwindow, multi-burn-rate alerts for THRESHOLDS.slo (Google SRE workbook, "Alerting on
 * SLOs", table 5-8): an alert fires when both windows burn the budget faster than burnRate.
 */
export const SLO_BURN_RATE_WINDOWS = [
    { severity: "critical", burnRate: 14.4, longWindow: "1h", shortWindow: "5m" },
    { severity: "critical", burnRate: 6, longWindow: "6h", shortWindow: "30m" },
    { severity: "warning", burnRate: 3, longWindow: "1d", shortWindow: "2h" },
    { severity: "warning", burnRate: 1, longWindow: "3d", shortWindow: "6h" },
] as const;

/**
 * Recording rules shared by the burn-rate alerts and the release pipeline's bake gate.
 * Every series carries the `namespace` label of the stack it measures.
 */
export const RECORDING_RULES = {
    /** Fraction of ingress requests answered 5xx over a window, e.g. errorRatio("5m"). */
    errorRatio: (window: string) => `ologywood:request_error_ratio:rate${window}`,
    /** 95th percentile of ingress request duration over 5 minutes, in seconds. */
    latencyP95: "ologywood:request_duration_seconds:p95_5m",
    /** Database connections in use as a fraction of max_connections. */
    dbConnectionRatio: "ologywood:db_connections:ratio",
    /** Error ratio of the latest scrape interval only (irate): reacts within one scrape, used with `for:`. */
    errorRatioInstant: "ologywood:request_error_ratio:irate",
    /** Ingress requests per second to the API over a window, e.g. requestRate("5m"). */
    requestRate: (window: string) => `ologywood:requests:rate${window}`,
    /** 95th percentile of ingress request duration over any window; latencyP95 is latencyP95Over("5m"). */
    latencyP95Over: (window: string) => `ologywood:request_duration_seconds:p95_${window}`,
} as const;

/** One scraped series an alert or the bake gate reads, with labels of its own that they select on. */
export interface WatchedSeries {
    metric: string;
    matchers?: Readonly<Record<string, string>>;
}

/** A source of scraped series, and how the stack's own series of it are told apart. */
export interface WatchedSource {
    /** Labels (besides `namespace`) that pick the stack's series of this source. */
    matchers: Readonly<Record<string, string>>;
    series: readonly WatchedSeries[];
    /** The Deployment whose pods export the series: they are expected only while it wants pods (not on a paused stack). */
    exportedBy?: string;
}

/**
 * Every scraped series that an alert or the release's bake gate depends on, by source. The
 * absent-series alerts (components/monitoring/alerts/absent.ts) are generated from this table: when
 * a target disappears, or a ServiceMonitor renames a label (ingress-nginx and cert-manager
 * without `honorLabels: true` send `exported_namespace`), the rules reading these series see
 * nothing and stay silent, so their absence must alert by itself. A test checks that every series
 * the rules and the bake gate read is here or in UNWATCHED_SERIES.
 */
export const WATCHED_SOURCES = {
    ingress: {
        matchers: { [LABELS.service]: SLI_SERVICE },
        series: [{ metric: METRICS.ingressRequests }, { metric: METRICS.ingressRequestDurationBucket }],
    },
    app: {
        matchers: { job: JOBS.appMetrics },
        series: [{ metric: METRICS.appErrorRate }, { metric: METRICS.appResponseTimeP95 }, { metric: METRICS.appEmailQueueSize }],
        exportedBy: WORKLOADS.api,
    },
    postgres: {
        matchers: { job: JOBS.postgresExporter },
        series: [{ metric: METRICS.pgUp }, { metric: METRICS.pgActivityCount }, { metric: METRICS.pgMaxConnections }],
    },
    kubeState: {
        matchers: {},
        series: [
            { metric: KUBE_STATE_METRICS.deploymentSpecReplicas },
            { metric: KUBE_STATE_METRICS.deploymentAvailableReplicas },
            { metric: KUBE_STATE_METRICS.cronJobCreated, matchers: { cronjob: BACKUP_CRONJOBS.backup } },
        ],
    },
    certManager: {
        matchers: {},
        series: [{ metric: CERT_MANAGER_METRICS.certificateExpiration }],
    },
} as const satisfies Record<string, WatchedSource>;

/** Scraped series that alerts read but that may be absent on a healthy stack, and why they are not watched. */
export const UNWATCHED_SERIES: Record<string, string> = {
    [KUBE_STATE_METRICS.jobFailed]:
        "exists only while a backup, verify or restore Job exists; kube-state-metrics itself is watched through the Deployment and CronJob series",
    [KUBE_STATE_METRICS.cronJobLastSuccessfulTime]:
        "appears after the first successful backup; until then OlogywoodBackupTooOld reads kube_cronjob_created, which is watched",
    [PROMETHEUS_METRICS.up]:
        "written by Prometheus for every target it knows; a missing exporter target is OlogywoodMetricsTargetDown (absent up), missing app targets show as absent app series",
};

/** Windows for which RECORDING_RULES.errorRatio is recorded: the SLO windows plus the bake gate's 5m. */
export const ERROR_RATIO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** Where the runbooks live: docs/runbooks/<AlertName>.md in this repository. */
export const RUNBOOK_BASE_URL = "https://github.com/ologywood/ologywood-deploy/blob/main/docs/runbooks";
