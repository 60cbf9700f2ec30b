/**
 * The two exporters' pod specs, as pure builders: json_exporter (the app's JSON /metrics to
 * Prometheus series, config from json-exporter.yml) and postgres_exporter (read-only monitoring
 * role, DSN from the DB_MONITORING_SECRET). Both run as hardened pods.
 */
import * as k8s from "@pulumi/kubernetes";
import { DB_MONITORING_SECRET } from "../shared/names";
import { hardenedPodSpec } from "../shared/pod";
import { EXPORTER_PORTS } from "../../metrics/contract";
import { METRICS_PORT_NAME } from "./scrape";

type PodSpec = k8s.types.input.core.v1.PodSpec;

export const JSON_EXPORTER_CONFIG_KEY = "config.yml";
const CONFIG_DIR = "/etc/json_exporter";

const probes = (port: number) => ({
    // The landing page: answering it needs neither the app nor the database, so a failing target
    // shows up as a failed scrape (an alert), not as a restarting exporter.
    readinessProbe: { httpGet: { path: "/", port }, periodSeconds: 10, timeoutSeconds: 3 },
    livenessProbe: { httpGet: { path: "/", port }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
});

const smallResources = (memory: string) => ({
    requests: { cpu: "10m", memory },
    limits: { cpu: "200m", memory: `${parseInt(memory, 10) * 2}Mi` },
});

export function jsonExporterPodSpec(a: { serviceAccountName: string; image: string; configMapName: string }): PodSpec {
    const port = EXPORTER_PORTS.jsonExporter;
    return hardenedPodSpec({
        serviceAccountName: a.serviceAccountName,
        containers: [
            {
                name: "json-exporter",
                image: a.image,
                args: [`--config.file=${CONFIG_DIR}/${JSON_EXPORTER_CONFIG_KEY}`, `--web.listen-address=:${port}`],
                ports: [{ name: METRICS_PORT_NAME, containerPort: port, protocol: "TCP" }],
                volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
                resources: smallResources("32Mi"),
                ...probes(port),
            },
        ],
        volumes: [{ name: "config", configMap: { name: a.configMapName } }],
    });
}

export function postgresExporterPodSpec(a: { serviceAccountName: string; image: string }): PodSpec {
    const port = EXPORTER_PORTS.postgresExporter;
    return hardenedPodSpec({
        serviceAccountName: a.serviceAccountName,
        containers: [
            {
                name: "postgres-exporter",
                image: a.image,
                args: [`--web.listen-address=:${port}`],
                env: [
                    { name: "DATA_SOURCE_NAME", valueFrom: { secretKeyRef: { name: DB_MONITORING_SECRET.name, key: DB_MONITORING_SECRET.key } } },
                    // Drop the connection instead of piling up queries when the database is slow.
                    { name: "PG_EXPORTER_COLLECTION_TIMEOUT", value: "10s" },
                ],
                ports: [{ name: METRICS_PORT_NAME, containerPort: port, protocol: "TCP" }],
                resources: smallResources("64Mi"),
                ...probes(port),
            },
        ],
    });
}
