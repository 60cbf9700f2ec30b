/**
 * The booking API: a zero-downtime Deployment behind a Service and a TLS Ingress, autoscaled,
 * spread across nodes, protected by a PodDisruptionBudget and a NetworkPolicy. The objects are
 * built by spec.ts; this class wires them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../shared/types";
import { WORKLOADS } from "../shared/names";
import { fromNamespace, toCidr, allowPolicy } from "../shared/network";
import { disruptionBudget, serviceAccount, workloadLabels } from "../shared/workload";
import { securityHeaders } from "./ingress";
import { ApiServiceArgs, apiAutoscalerSpec, apiDeploymentSpec, apiIngressAnnotations, apiIngressSpec, apiServiceSpec } from "./spec";

export * from "./spec";

export class ApiService extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly ingress: k8s.networking.v1.Ingress;
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: ApiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.api, name, {}, opts);
        const appName = WORKLOADS.api;
        const { all: labels, selector } = workloadLabels(args.labels, appName, "api");
        const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });
        const child = { parent: this };

        const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels, accountName: appName }, this);
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(appName),
                spec: apiDeploymentSpec(args, { labels, selector, serviceAccountName: account.metadata.name }),
            },
            { ...child, dependsOn: args.rolloutAfter },
        );
        const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta(appName), spec: apiServiceSpec(selector) }, child);
        this.serviceName = service.metadata.name;

        if (!args.paused) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: meta(appName), spec: apiAutoscalerSpec(args, this.deployment.metadata.name) },
                child,
            );
        }
        disruptionBudget(`${name}-pdb`, { namespace: args.namespace, labels, selector, pdbName: appName }, this);

        const headers = new k8s.core.v1.ConfigMap(`${name}-security-headers`, { metadata: meta(`${appName}-security-headers`), data: securityHeaders }, child);
        this.ingress = new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            {
                metadata: { ...meta(appName), annotations: apiIngressAnnotations(args, args.namespace, headers.metadata.name) },
                spec: apiIngressSpec(args, `${appName}-tls`, args.maintenanceBackend ?? { serviceName: this.serviceName, port: 80 }),
            },
            child,
        );
        this.url = pulumi.output(args.publicUrl ?? `https://${args.domain}`);

        allowPolicy(
            `${name}-network`,
            {
                namespace: args.namespace,
                labels,
                podLabels: selector,
                ingress: [fromNamespace(args.ingress.controllerNamespace, "http"), fromNamespace(args.prometheusNamespace, "http")],
                egress: [toCidr(args.database.cidr, args.database.port)],
            },
            child,
        );

        this.registerOutputs({ serviceName: this.serviceName, url: this.url });
    }
}
