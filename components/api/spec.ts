/**
 * The API's objects as pure builders (no resources): what ApiService declares, and what tests
 * check directly. The component only wires them together (index.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_ENV } from "../shared/names";
import { hardenedPodSpec } from "../shared/pod";
import { AppWorkloadArgs, appEnv, containerResources } from "../shared/workload";
import { ingressAnnotations } from "./ingress";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;

export interface ApiServiceArgs extends AppWorkloadArgs {
    /** Port the app listens on (config `app.port`). */
    port: number;
    /** Health endpoint for the probes (config `app.healthPath`). */
    healthPath: string;
    /** HorizontalPodAutoscaler floor; also the replica count the rollout starts from. */
    replicas: number;
    maxReplicas: number;
    /** Average CPU use the autoscaler aims for (config `api.targetCpuUtilizationPercent`). */
    targetCpuUtilizationPercent: number;
    /** Scale to zero (db:restore); the autoscaler is removed meanwhile. */
    paused: boolean;
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

/** The pods' labels and account, which the builders take from the component. */
export interface ApiIdentity {
    labels: Record<string, string>;
    selector: Record<string, string>;
    serviceAccountName: pulumi.Input<string>;
}

export function apiDeploymentSpec(args: ApiServiceArgs, id: ApiIdentity): DeploymentSpec {
    const probe = (periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path: args.healthPath, port: "http" },
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 3,
    });
    return {
        // Left to the autoscaler while it exists: setting it here would fight the HPA on every update.
        replicas: args.paused ? 0 : undefined,
        selector: { matchLabels: id.selector },
        revisionHistoryLimit: 5,
        minReadySeconds: 10,
        progressDeadlineSeconds: 600,
        // Zero downtime, as the plan promises: a new pod must be ready before an old one goes.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        template: {
            metadata: { labels: id.labels },
            spec: hardenedPodSpec({
                serviceAccountName: id.serviceAccountName,
                // Long enough for the preStop pause plus in-flight requests to finish.
                extra: {
                    terminationGracePeriodSeconds: 45,
                    topologySpreadConstraints: [
                        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: id.selector } },
                        {
                            maxSkew: 1,
                            topologyKey: "topology.kubernetes.io/zone",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: id.selector },
                        },
                    ],
                },
                containers: [
                    {
                        name: "api",
                        image: args.image,
                        command: args.command,
                        ports: [{ name: "http", containerPort: args.port, protocol: "TCP" }],
                        env: [{ name: APP_ENV.port, value: String(args.port) }, ...appEnv(args.env)],
                        resources: containerResources(args.resources),
                        // Startup allows a slow first boot (migrations, caches) without a hair-trigger liveness.
                        startupProbe: probe(2, 60),
                        readinessProbe: probe(5, 3),
                        livenessProbe: probe(10, 6),
                        // Keep serving while ingress-nginx drops the pod from its upstreams.
                        lifecycle: { preStop: { exec: { command: ["sleep", "10"] } } },
                    },
                ],
            }),
        },
    };
}

export function apiServiceSpec(selector: Record<string, string>): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    };
}

export function apiAutoscalerSpec(args: ApiServiceArgs, deploymentName: pulumi.Input<string>): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: args.replicas,
        maxReplicas: args.maxReplicas,
        metrics: [
            {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.targetCpuUtilizationPercent } },
            },
        ],
        // Scale down slowly: a traffic dip must not leave a spike under-provisioned.
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    };
}

/** The public host to the API, or to the maintenance page's Service while maintenance is on. */
export function apiIngressSpec(
    args: ApiServiceArgs,
    tlsSecretName: string,
    backend: { serviceName: pulumi.Input<string>; port: number },
): k8s.types.input.networking.v1.IngressSpec {
    return {
        ingressClassName: args.ingress.className,
        tls: [{ hosts: [args.domain], secretName: tlsSecretName }],
        rules: [
            {
                host: args.domain,
                http: {
                    paths: [
                        {
                            path: "/",
                            pathType: "Prefix",
                            backend: { service: { name: backend.serviceName, port: { number: backend.port } } },
                        },
                    ],
                },
            },
        ],
    };
}

/** cert-manager, rate limiting and the security headers, as ingress-nginx annotations. */
export function apiIngressAnnotations(
    args: ApiServiceArgs,
    namespace: pulumi.Input<string>,
    headersConfigMap: pulumi.Input<string>,
): pulumi.Output<Record<string, string>> {
    return pulumi
        .all([namespace, headersConfigMap])
        .apply(([ns, cm]) =>
            ingressAnnotations({ clusterIssuer: args.ingress.clusterIssuer, rateLimitRps: args.ingress.rateLimitRps, headersConfigMap: `${ns}/${cm}` }),
        );
}
