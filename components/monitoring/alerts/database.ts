/** The database as postgres_exporter sees it with the read-only monitoring role. */
import { JOBS, LABELS, METRICS, RECORDING_RULES, THRESHOLDS } from "../../../metrics/contract";
import { sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num, percent } from "./settings";

export function databaseAlerts(s: RuleSettings): RuleArea {
    const ns = { [LABELS.namespace]: s.namespace };
    const ratio = THRESHOLDS.acceptable.dbConnectionRatio;
    return {
        name: "database",
        alerts: [
            {
                alert: "OlogywoodDatabaseConnectionsHigh",
                expr: `${sel(RECORDING_RULES.dbConnectionRatio, ns)} > ${num(ratio)}`,
                for: FOR.databaseConnectionsHigh,
                severity: "warning",
                summary: "Database connections near max_connections.",
                description: `{{ $value | humanizePercentage }} of the database server's max_connections are in use (acceptable: below ${percent(ratio)}); new connections of {{ $labels.namespace }} will soon be refused.`,
            },
            {
                alert: "OlogywoodDatabaseDown",
                expr: `${sel(METRICS.pgUp, { ...ns, job: JOBS.postgresExporter })} == 0`,
                for: FOR.databaseDown,
                severity: "critical",
                summary: "The database does not accept connections.",
                description: `postgres_exporter in {{ $labels.namespace }} has failed to connect to the database for ${FOR.databaseDown} (pg_up = {{ $value }}): a rollback criterion ("database connection failures").`,
            },
        ],
    };
}
