import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WORKLOADS } from "../shared/names";
import { allowPolicy, fromNamespace } from "../shared/network";
import { hardenedPodSpec } from "../shared/pod";
import { LabelContext } from "../shared/labels";
import { disruptionBudget, serviceAccount, workloadLabels } from "../shared/workload";
import { COMPONENT_TYPES } from "../shared/types";

/** The files nginx serves, kept in this folder and tested with the real nginx (tests/hardening). */
export const MAINTENANCE_FILES = ["nginx.conf", "maintenance.html", "maintenance.json"] as const;
/**
 * Where the pod mounts them. nginx runs with prefix "/" and the config's paths are relative to
 * it (etc/ologywood-maintenance/..., tmp/...), so the test can run the same file in a scratch dir.
 */
export const MAINTENANCE_MOUNT = "/etc/ologywood-maintenance";
export const MAINTENANCE_PORT = 8080;
export const MAINTENANCE_HEALTH_PATH = "/healthz";
/** nginx-unprivileged: listens on 8080 and runs under any non-root UID. */
export const MAINTENANCE_IMAGE = "nginxinc/nginx-unprivileged:1.30.4-alpine";

export function readMaintenanceFiles(dir = __dirname): Record<string, string> {
    return Object.fromEntries(MAINTENANCE_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

export interface MaintenanceArgs {
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** Namespace of the ingress-nginx controller, the only client of the page. */
    ingressControllerNamespace: string;
    /** @default 2 */
    replicas?: number;
}

/**
 * The maintenance page: an unprivileged nginx that answers 503 with Retry-After on every path.
 * It always runs (it is tiny), so switching maintenance on only re-points the Ingress: seconds,
 * not a rollout.
 */
export class Maintenance extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly port = 80;

    constructor(name: string, args: MaintenanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.maintenance, name, {}, opts);
        const appName = WORKLOADS.maintenance;
        const { all: labels, selector } = workloadLabels(args.labels, appName, "maintenance");
        const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });

        // Auto-named: a change to the files makes a new ConfigMap and so a rollout of the pods.
        const files = new k8s.core.v1.ConfigMap(
            `${name}-files`,
            {
                metadata: { namespace: args.namespace, labels },
                data: readMaintenanceFiles(),
            },
            { parent: this },
        );

        const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels, accountName: appName }, this);
        const probe = { httpGet: { path: MAINTENANCE_HEALTH_PATH, port: "http" }, periodSeconds: 10, timeoutSeconds: 2 };

        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(appName),
                spec: {
                    replicas: args.replicas ?? 2,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels },
                        spec: hardenedPodSpec({
                            serviceAccountName: account.metadata.name,
                            volumes: [{ name: "files", configMap: { name: files.metadata.name } }],
                            containers: [
                                {
                                    name: "nginx",
                                    image: MAINTENANCE_IMAGE,
                                    // Bypasses the image's entrypoint scripts, which would edit files under /etc/nginx.
                                    command: ["nginx", "-p", "/", "-e", "stderr", "-c", `${MAINTENANCE_MOUNT.slice(1)}/nginx.conf`],
                                    ports: [{ name: "http", containerPort: MAINTENANCE_PORT, protocol: "TCP" }],
                                    volumeMounts: [{ name: "files", mountPath: MAINTENANCE_MOUNT, readOnly: true }],
                                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                    readinessProbe: probe,
                                    livenessProbe: { ...probe, failureThreshold: 3 },
                                },
                            ],
                        }),
                    },
                },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta(appName),
                spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: this.port, targetPort: "http", protocol: "TCP" }] },
            },
            { parent: this },
        );
        this.serviceName = service.metadata.name;

        disruptionBudget(`${name}-pdb`, { namespace: args.namespace, labels, selector, pdbName: appName }, this);
        allowPolicy(
            `${name}-network`,
            {
                namespace: args.namespace,
                labels,
                podLabels: selector,
                ingress: [fromNamespace(args.ingressControllerNamespace, "http")],
                egress: [],
            },
            { parent: this },
        );

        this.registerOutputs({ serviceName: this.serviceName });
    }
}
