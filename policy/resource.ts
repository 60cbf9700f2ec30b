/**
 * From what the policy engine hands a resource validation (Pulumi type token and inputs) to the
 * plain Kubernetes object the rules read. Pure, so the tests check it without a Pulumi engine.
 */
import { KubeObject } from "./rules";

/**
 * Pulumi types under `kubernetes:` that are not one Kubernetes object: Helm releases and charts,
 * YAML and kustomize groups (their objects are invisible to a resource policy), patches and lists.
 */
const NOT_OBJECTS = new Set(["helm.sh", "yaml", "kustomize"]);

/**
 * `kubernetes:apps/v1:Deployment` + inputs -> `{ apiVersion: "apps/v1", kind: "Deployment", ... }`;
 * undefined for everything that is not a Kubernetes object. An object without metadata.name
 * (auto-named by the provider) is named by its Pulumi resource name in messages.
 */
export function kubeObjectFromResource(type: string, props: Record<string, any>, resourceName: string): KubeObject | undefined {
    const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
    if (!m) return undefined;
    const [, groupVersion, kind] = m;
    if (NOT_OBJECTS.has(groupVersion.split("/")[0]) || /(Patch|List)$/.test(kind)) return undefined;
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
    const metadata = props.metadata ?? {};
    return { ...props, apiVersion, kind, metadata: { ...metadata, name: metadata.name ?? resourceName } };
}
