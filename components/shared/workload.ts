/**
 * What every Ologywood app workload (API, worker, email service) shares: the image, its
 * environment, its own ServiceAccount and a PodDisruptionBudget.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../../config/types";
import { LabelContext, recommendedLabels, selectorLabels } from "./labels";
import { APP_ENV, DATABASE_SECRET } from "./names";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Inputs common to the three app workloads. */
export interface AppWorkloadArgs {
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** Full image reference, `repository:tag`. */
    image: string;
    /** Container command; the image's entrypoint when absent. */
    command?: string[];
    /** Non-secret environment (config `app.env`). */
    env: Record<string, pulumi.Input<string>>;
    resources: Resources;
    /** Where the database is, for the egress NetworkPolicy. */
    database: { cidr: string; port: number };
    /** The Deployment is not rolled out before these (the pre-deploy backup Job). */
    rolloutAfter?: pulumi.Input<pulumi.Resource>[];
}

/** Plain variables first (sorted, so a reordering is not a rollout), then secret references. */
export function appEnv(env: Record<string, pulumi.Input<string>>, secretEnv: Record<string, { name: string; key: string }> = {}): EnvVar[] {
    const all: Record<string, { name: string; key: string }> = { [APP_ENV.databaseUrl]: DATABASE_SECRET, ...secretEnv };
    return [
        ...Object.keys(env)
            .sort()
            .map((name) => ({ name, value: env[name] })),
        ...Object.keys(all)
            .sort()
            .map((name) => ({ name, valueFrom: { secretKeyRef: { name: all[name].name, key: all[name].key } } })),
    ];
}

export function workloadLabels(ctx: LabelContext, name: string, component: string) {
    return { all: recommendedLabels(ctx, name, component), selector: selectorLabels(ctx, name) };
}

/** Each workload runs as its own identity, with no API token mounted. */
export function serviceAccount(
    name: string,
    args: { namespace: pulumi.Input<string>; labels: Record<string, string>; accountName: string },
    parent: pulumi.Resource,
) {
    return new k8s.core.v1.ServiceAccount(
        name,
        {
            metadata: { name: args.accountName, namespace: args.namespace, labels: args.labels },
            automountServiceAccountToken: false,
        },
        { parent },
    );
}

/** At most one pod of the workload down at a time during voluntary disruptions (drains). */
export function disruptionBudget(
    name: string,
    args: { namespace: pulumi.Input<string>; labels: Record<string, string>; selector: Record<string, string>; pdbName: string },
    parent: pulumi.Resource,
) {
    return new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
            metadata: { name: args.pdbName, namespace: args.namespace, labels: args.labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: args.selector } },
        },
        { parent },
    );
}

export function containerResources(r: Resources): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}
