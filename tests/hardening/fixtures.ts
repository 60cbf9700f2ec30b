/**
 * Hand-made Kubernetes objects for the rule tests: each compliant one is built with the same
 * helpers the components use (recommendedLabels, hardenedPodSpec), so the tests also prove that
 * those helpers satisfy the rules.
 */
import { recommendedLabels } from "../../components/shared/labels";
import { hardenedPodSpec } from "../../components/shared/pod";
import { KubeObject } from "../../policy/rules";

export const NS = "ologywood-test";
export const labels = (name = "ologywood-api") => recommendedLabels({ instance: NS, version: "1.2.3" }, name, "api");

export function container(name = "api"): any {
    return {
        name,
        image: "ghcr.io/ologywood/booking:1.2.3",
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    };
}

export function podSpec(): any {
    return hardenedPodSpec({ serviceAccountName: "ologywood-api", containers: [container()] }) as any;
}

const meta = (name: string) => ({ name, namespace: NS, labels: labels() });
const template = () => ({ metadata: { labels: labels() }, spec: podSpec() });

/** A compliant object of each kind that makes pods. */
export const WORKLOADS: Record<string, () => KubeObject> = {
    Deployment: () => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta("ologywood-api"),
        spec: { selector: { matchLabels: {} }, template: template() },
    }),
    StatefulSet: () => ({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: meta("ologywood-api"),
        spec: { serviceName: "x", selector: { matchLabels: {} }, template: template() },
    }),
    DaemonSet: () => ({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: meta("ologywood-api"),
        spec: { selector: { matchLabels: {} }, template: template() },
    }),
    Job: () => ({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: meta("ologywood-api"),
        spec: { template: { ...template(), spec: { ...podSpec(), restartPolicy: "Never" } } },
    }),
    CronJob: () => ({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta("ologywood-api"),
        spec: {
            schedule: "0 2 * * *",
            jobTemplate: { metadata: { labels: labels() }, spec: { template: { ...template(), spec: { ...podSpec(), restartPolicy: "Never" } } } },
        },
    }),
    Pod: () => ({ apiVersion: "v1", kind: "Pod", metadata: meta("ologywood-api"), spec: podSpec() }),
};

/** Where each kind keeps its PodSpec, as the messages spell it. */
export const POD_PATH: Record<string, string> = {
    Deployment: "spec.template.spec",
    StatefulSet: "spec.template.spec",
    DaemonSet: "spec.template.spec",
    Job: "spec.template.spec",
    CronJob: "spec.jobTemplate.spec.template.spec",
    Pod: "spec",
};

export function podSpecOf(obj: KubeObject): any {
    return POD_PATH[obj.kind].split(".").reduce((n: any, k) => n[k], obj);
}

export const namespace = (): KubeObject => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NS, labels: { ...labels(), "pod-security.kubernetes.io/enforce": "restricted" } },
});
