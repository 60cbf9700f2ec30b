/**
 * NetworkPolicy building blocks. The namespace denies all traffic by default; each component
 * then allows exactly what its pods need with these rules.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The namespace label Kubernetes sets on every namespace (>= 1.21), usable in selectors. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function fromNamespace(namespace: string, port: pulumi.Input<number | string>): IngressRule {
    return {
        from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } }],
        ports: [{ protocol: "TCP", port }],
    };
}

export function fromPods(podLabels: Record<string, string>, port: pulumi.Input<number | string>): IngressRule {
    return { from: [{ podSelector: { matchLabels: podLabels } }], ports: [{ protocol: "TCP", port }] };
}

export function toCidr(cidr: string, port: pulumi.Input<number>): EgressRule {
    return { to: [{ ipBlock: { cidr } }], ports: [{ protocol: "TCP", port }] };
}

export function toPods(podLabels: Record<string, string>, port: pulumi.Input<number | string>): EgressRule {
    return { to: [{ podSelector: { matchLabels: podLabels } }], ports: [{ protocol: "TCP", port }] };
}

/** Cluster DNS (kube-dns / CoreDNS in kube-system), which every pod needs to resolve anything. */
export const toClusterDns: EgressRule = {
    to: [
        {
            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
    ],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};

export interface AllowPolicyArgs {
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    /** The pods this policy applies to. */
    podLabels: Record<string, string>;
    ingress?: IngressRule[];
    egress?: EgressRule[];
}

/** An additive allow policy for one workload's pods. */
export function allowPolicy(name: string, args: AllowPolicyArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    const policyTypes = [...(args.ingress ? ["Ingress"] : []), ...(args.egress ? ["Egress"] : [])];
    return new k8s.networking.v1.NetworkPolicy(
        name,
        {
            metadata: { name, namespace: args.namespace, labels: args.labels },
            spec: {
                podSelector: { matchLabels: args.podLabels },
                policyTypes,
                ingress: args.ingress,
                egress: args.egress,
            },
        },
        opts,
    );
}
