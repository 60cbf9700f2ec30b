/**
 * A background process of the app image (worker, email service): no Service, no HTTP probes.
 * Worker and EmailService are this shape with different commands and network needs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { allowPolicy, toCidr } from "./network";
import { hardenedPodSpec } from "./pod";
import { AppWorkloadArgs, appEnv, containerResources, disruptionBudget, serviceAccount, workloadLabels } from "./workload";

export interface BackgroundWorkloadArgs extends AppWorkloadArgs {
    replicas: number;
    /** Scale to zero (db:restore). @default false */
    paused?: boolean;
    /** The heartbeat file the process touches while its loop runs, and how old it may get. */
    heartbeat: { file: string; maxAgeMinutes: number };
    /** Extra environment from Secrets, e.g. SMTP_PASSWORD. */
    secretEnv?: Record<string, { name: string; key: string }>;
    /** Extra egress besides the database, e.g. the SMTP relay. */
    extraEgress?: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
}

/**
 * Liveness for a process without HTTP: the heartbeat file must have been touched within the
 * last N minutes. `find -mmin` exists in busybox and GNU findutils alike.
 * No readiness probe: these pods receive no traffic, so "ready" would mean nothing.
 */
export function heartbeatProbe(heartbeat: { file: string; maxAgeMinutes: number }, periodSeconds: number, failureThreshold: number) {
    return {
        exec: { command: ["/bin/sh", "-c", `test -n "$(find ${heartbeat.file} -mmin -${heartbeat.maxAgeMinutes} 2>/dev/null)"`] },
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 5,
    };
}

export function createBackgroundWorkload(
    parent: pulumi.Resource,
    name: string,
    appName: string,
    component: string,
    args: BackgroundWorkloadArgs,
): k8s.apps.v1.Deployment {
    const { all: labels, selector } = workloadLabels(args.labels, appName, component);
    const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels, accountName: appName }, parent);

    const deployment = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name: appName, namespace: args.namespace, labels },
            spec: {
                replicas: args.paused ? 0 : args.replicas,
                selector: { matchLabels: selector },
                revisionHistoryLimit: 5,
                progressDeadlineSeconds: 600,
                // Start the new process before stopping the old one: the queue is never unattended.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels },
                    spec: hardenedPodSpec({
                        serviceAccountName: account.metadata.name,
                        // Time to finish the job in hand after SIGTERM.
                        extra: { terminationGracePeriodSeconds: 60 },
                        containers: [
                            {
                                name: component,
                                image: args.image,
                                command: args.command,
                                env: appEnv(args.env, args.secretEnv),
                                resources: containerResources(args.resources),
                                // Up to 5 minutes to come up, then checked every 30 s.
                                startupProbe: heartbeatProbe(args.heartbeat, 10, 30),
                                livenessProbe: heartbeatProbe(args.heartbeat, 30, 3),
                            },
                        ],
                    }),
                },
            },
        },
        { parent, dependsOn: args.rolloutAfter },
    );

    disruptionBudget(`${name}-pdb`, { namespace: args.namespace, labels, selector, pdbName: appName }, parent);

    allowPolicy(
        `${name}-network`,
        {
            namespace: args.namespace,
            labels,
            podLabels: selector,
            ingress: [],
            egress: [toCidr(args.database.cidr, args.database.port), ...(args.extraEgress ?? [])],
        },
        { parent },
    );

    return deployment;
}
