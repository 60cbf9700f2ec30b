import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_ENV, WORKLOADS } from "../shared/names";
import { fromNamespace, toCidr, allowPolicy } from "../shared/network";
import { hardenedPodSpec } from "../shared/pod";
import { AppWorkloadArgs, appEnv, containerResources, disruptionBudget, serviceAccount, workloadLabels } from "../shared/workload";
import { ingressAnnotations, securityHeaders } from "./ingress";

export interface ApiServiceArgs extends AppWorkloadArgs {
    /** Port the app listens on. @default 3000 */
    port?: number;
    /** Health endpoint for the probes. @default "/health" */
    healthPath?: string;
    /** HorizontalPodAutoscaler floor; also the replica count the rollout starts from. */
    replicas: number;
    maxReplicas: number;
    /** @default 70 */
    targetCpuUtilizationPercent?: number;
    /** Scale to zero (db:restore); the autoscaler is removed meanwhile. @default false */
    paused?: boolean;
    /** Public host name. */
    domain: string;
    /** The URL clients use (the `url` output). @default https://<domain> */
    publicUrl?: string;
    ingress: {
        className: string;
        clusterIssuer: string;
        /** Namespace of the ingress-nginx controller, allowed in by NetworkPolicy. */
        controllerNamespace: string;
        rateLimitRps: number;
    };
    /** Namespace of Prometheus, allowed to scrape the app's port. */
    prometheusNamespace: string;
    /** When set, the public host is routed to this Service instead (maintenance mode). */
    maintenanceBackend?: { serviceName: pulumi.Input<string>; port: number };
}

/**
 * The booking API: a zero-downtime Deployment behind a Service and a TLS Ingress, autoscaled,
 * spread across nodes, protected by a PodDisruptionBudget and a NetworkPolicy.
 */
export class ApiService extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly ingress: k8s.networking.v1.Ingress;
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: ApiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ologywood:api:ApiService", name, {}, opts);
        const port = args.port ?? 3000;
        const healthPath = args.healthPath ?? "/health";
        const paused = args.paused ?? false;
        const appName = WORKLOADS.api;
        const { all: labels, selector } = workloadLabels(args.labels, appName, "api");
        const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });

        const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels, accountName: appName }, this);

        const probe = (periodSeconds: number, failureThreshold: number) => ({
            httpGet: { path: healthPath, port: "http" },
            periodSeconds,
            failureThreshold,
            timeoutSeconds: 3,
        });

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: meta(appName),
            spec: {
                // Left to the autoscaler while it exists: setting it here would fight the HPA on every update.
                replicas: paused ? 0 : undefined,
                selector: { matchLabels: selector },
                revisionHistoryLimit: 5,
                minReadySeconds: 10,
                progressDeadlineSeconds: 600,
                // Zero downtime, as the plan promises: a new pod must be ready before an old one goes.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
                template: {
                    metadata: { labels },
                    spec: hardenedPodSpec({
                        serviceAccountName: account.metadata.name,
                        // Long enough for the preStop pause plus in-flight requests to finish.
                        extra: {
                            terminationGracePeriodSeconds: 45,
                            topologySpreadConstraints: [
                                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                            ],
                        },
                        containers: [{
                            name: "api",
                            image: args.image,
                            command: args.command,
                            ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                            env: [{ name: APP_ENV.port, value: String(port) }, ...appEnv(args.env)],
                            resources: containerResources(args.resources),
                            // Startup allows a slow first boot (migrations, caches) without a hair-trigger liveness.
                            startupProbe: probe(2, 60),
                            readinessProbe: probe(5, 3),
                            livenessProbe: probe(10, 6),
                            // Keep serving while ingress-nginx drops the pod from its upstreams.
                            lifecycle: { preStop: { exec: { command: ["sleep", "10"] } } },
                        }],
                    }),
                },
            },
        }, { parent: this, dependsOn: args.rolloutAfter });

        const service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: meta(appName),
            spec: {
                type: "ClusterIP",
                selector,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        }, { parent: this });
        this.serviceName = service.metadata.name;

        if (!paused) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata: meta(appName),
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                    minReplicas: args.replicas,
                    maxReplicas: args.maxReplicas,
                    metrics: [{
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.targetCpuUtilizationPercent ?? 70 } },
                    }],
                    // Scale down slowly: a traffic dip must not leave a spike under-provisioned.
                    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
                },
            }, { parent: this });
        }

        disruptionBudget(`${name}-pdb`, { namespace: args.namespace, labels, selector, pdbName: appName }, this);

        const headers = new k8s.core.v1.ConfigMap(`${name}-security-headers`, {
            metadata: meta(`${appName}-security-headers`),
            data: securityHeaders,
        }, { parent: this });

        const backend = args.maintenanceBackend ?? { serviceName: this.serviceName, port: 80 };
        this.ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
            metadata: {
                ...meta(appName),
                annotations: pulumi.all([args.namespace, headers.metadata.name]).apply(([ns, cm]) =>
                    ingressAnnotations({ clusterIssuer: args.ingress.clusterIssuer, rateLimitRps: args.ingress.rateLimitRps, headersConfigMap: `${ns}/${cm}` })),
            },
            spec: {
                ingressClassName: args.ingress.className,
                tls: [{ hosts: [args.domain], secretName: `${appName}-tls` }],
                rules: [{
                    host: args.domain,
                    http: {
                        paths: [{
                            path: "/",
                            pathType: "Prefix",
                            backend: { service: { name: backend.serviceName, port: { number: backend.port } } },
                        }],
                    },
                }],
            },
        }, { parent: this });
        this.url = pulumi.output(args.publicUrl ?? `https://${args.domain}`);

        allowPolicy(`${name}-network`, {
            namespace: args.namespace,
            labels,
            podLabels: selector,
            ingress: [fromNamespace(args.ingress.controllerNamespace, "http"), fromNamespace(args.prometheusNamespace, "http")],
            egress: [toCidr(args.database.cidr, args.database.port)],
        }, { parent: this });

        this.registerOutputs({ serviceName: this.serviceName, url: this.url });
    }
}
