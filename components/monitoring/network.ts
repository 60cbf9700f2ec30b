/**
 * NetworkPolicies for the exporters (networking.k8s.io/v1 specs). The namespace denies all
 * traffic by default and allows DNS; these add exactly what monitoring needs:
 * Prometheus -> exporter ports; json_exporter -> the API pods' port; postgres_exporter -> the
 * database; and, on the API pods' side, json_exporter -> API port.
 */
import { EXPORTER_PORTS } from "./contract";

type Labels = Record<string, string>;

const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
const tcp = (port: number) => ({ protocol: "TCP", port });

export function jsonExporterPolicySpec(a: { exporterSelector: Labels; apiSelector: Labels; appPort: number; prometheusNamespace: string }) {
    return {
        podSelector: { matchLabels: a.exporterSelector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [fromNamespace(a.prometheusNamespace)], ports: [tcp(EXPORTER_PORTS.jsonExporter)] }],
        egress: [{ to: [{ podSelector: { matchLabels: a.apiSelector } }], ports: [tcp(a.appPort)] }],
    };
}

/** On the API pods: let json_exporter in (policies are additive to the API's own). */
export function apiFromJsonExporterPolicySpec(a: { exporterSelector: Labels; apiSelector: Labels; appPort: number }) {
    return {
        podSelector: { matchLabels: a.apiSelector },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: a.exporterSelector } }], ports: [tcp(a.appPort)] }],
    };
}

export function postgresExporterPolicySpec(a: { exporterSelector: Labels; prometheusNamespace: string; dbCidr: string; dbPort: number }) {
    return {
        podSelector: { matchLabels: a.exporterSelector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [fromNamespace(a.prometheusNamespace)], ports: [tcp(EXPORTER_PORTS.postgresExporter)] }],
        egress: [{ to: [{ ipBlock: { cidr: a.dbCidr } }], ports: [tcp(a.dbPort)] }],
    };
}
