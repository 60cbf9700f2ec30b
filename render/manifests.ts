/** From registered resources to Kubernetes objects in the order they would be applied. */
import YAML from "yaml";
import { REDACTED } from "../cli/redact";
import { RegisteredResource } from "./mock-run";

/**
 * Tie-break for objects that do not depend on each other: the usual install order (as Helm's),
 * except that Jobs come before the workloads, since ours are pre-deploy gates.
 */
const KIND_ORDER = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "Job",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "CronJob",
    "IngressClass",
    "Ingress",
];

export function isKubernetesObject(r: RegisteredResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:yaml") && typeof r.state?.kind === "string";
}

/** A Kubernetes object as it would be sent to the API server, Secret values never shown. */
export function toKubernetesObject(r: RegisteredResource): any {
    const { apiVersion, kind, metadata, ...rest } = r.state;
    const obj: any = { apiVersion, kind, metadata, ...rest };
    if (kind === "Secret") {
        // Whatever a component passed, a Secret's values are never written.
        for (const field of ["data", "stringData"]) {
            const map = obj[field];
            if (map && typeof map === "object") obj[field] = Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
            else if (map !== undefined) obj[field] = REDACTED;
        }
    }
    return obj;
}

/** Dependencies on a component mean "all of its children", as in the Pulumi engine. */
function expandDependencies(resources: RegisteredResource[]): Map<string, Set<string>> {
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    const descendants = (urn: string): string[] => (children.get(urn) ?? []).flatMap((c) => [c, ...descendants(c)]);
    const custom = new Set(resources.filter((r) => r.custom).map((r) => r.urn));
    const deps = new Map<string, Set<string>>();
    for (const r of resources) {
        const expanded = new Set<string>();
        for (const d of r.dependencies) {
            if (custom.has(d)) expanded.add(d);
            else
                descendants(d)
                    .filter((x) => custom.has(x))
                    .forEach((x) => expanded.add(x));
        }
        deps.set(r.urn, expanded);
    }
    return deps;
}

/** Topological order over dependencies; independent objects by kind, then registration order. */
export function applyOrder(resources: RegisteredResource[]): RegisteredResource[] {
    const objects = resources.filter(isKubernetesObject);
    const deps = expandDependencies(resources);
    const inSet = new Set(objects.map((o) => o.urn));
    const rank = (r: RegisteredResource) => {
        const i = KIND_ORDER.indexOf(r.state.kind);
        return i < 0 ? KIND_ORDER.length : i; // custom resources last: their CRDs must exist first
    };
    const index = new Map(objects.map((o, i) => [o.urn, i]));
    const done = new Set<string>();
    const ordered: RegisteredResource[] = [];
    while (ordered.length < objects.length) {
        const ready = objects
            .filter((o) => !done.has(o.urn) && [...(deps.get(o.urn) ?? [])].every((d) => !inSet.has(d) || done.has(d)))
            .sort((a, b) => rank(a) - rank(b) || index.get(a.urn)! - index.get(b.urn)!);
        if (ready.length === 0)
            throw new Error(
                "dependency cycle among Kubernetes objects: " +
                    objects
                        .filter((o) => !done.has(o.urn))
                        .map((o) => o.name)
                        .join(", "),
            );
        ordered.push(ready[0]);
        done.add(ready[0].urn);
    }
    return ordered;
}

export function toMultiDocumentYaml(objects: any[]): string {
    return objects
        .map((o) => YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
        .map((d) => `---\n${d}`)
        .join("");
}
