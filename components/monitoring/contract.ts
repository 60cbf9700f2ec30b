/**
 * The monitoring contract: metric names, labels, recording rules and the deployment plan's
 * thresholds. Alerts, dashboards, the json_exporter config, the smoke/load tests and the release
 * pipeline's bake gate all read these constants, so a threshold or a name changes here only.
 */

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

/** Labels the alerts, dashboards and bake gate select on. */
export const LABELS = {
    namespace: "namespace",
    ingress: "ingress",
    status: "status",
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
} as const;

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
} as const;
