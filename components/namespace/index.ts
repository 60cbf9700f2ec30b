import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabelContext, recommendedLabels } from "../shared/labels";
import { toClusterDns } from "../shared/network";
import { COMPONENT_TYPES } from "../shared/types";

export interface StackNamespaceArgs {
    /** Namespace name (config `namespace`). */
    name: string;
    labels: LabelContext;
}

/**
 * The stack's namespace: Pod Security Standards `restricted` enforced by the API server, and
 * a default-deny NetworkPolicy so that every flow must be allowed by the component that needs it.
 */
export class StackNamespace extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: StackNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.namespace, name, {}, opts);
        const labels = recommendedLabels(args.labels, "ologywood", "namespace");

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        ...labels,
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                    },
                },
            },
            { parent: this },
        );
        this.name = namespace.metadata.name;

        const policyOpts = { parent: this, dependsOn: [namespace] };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny`,
            {
                metadata: { name: "default-deny-all", namespace: this.name, labels },
                spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            },
            policyOpts,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-dns`,
            {
                metadata: { name: "allow-dns-egress", namespace: this.name, labels },
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [toClusterDns] },
            },
            policyOpts,
        );

        this.registerOutputs({ name: this.name });
    }
}
