/**
 * Pod hardening, written once: every pod we run meets Pod Security Standards `restricted` and
 * has a read-only root filesystem. The policy pack (policy/) checks the same rules on every object.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** A UID/GID outside the range of system users in common base images. */
export const UNPRIVILEGED_UID = 10001;

export const restrictedPodSecurityContext = (uid = UNPRIVILEGED_UID): k8s.types.input.core.v1.PodSecurityContext => ({
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
});

export const restrictedContainerSecurityContext: k8s.types.input.core.v1.SecurityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export interface HardenedPodArgs {
    serviceAccountName: pulumi.Input<string>;
    containers: Container[];
    /** Run to completion, in order, before `containers`; hardened the same way. */
    initContainers?: Container[];
    /** Writable scratch space; mounted at /tmp in every container (the root filesystem is read-only). */
    tmpSizeLimit?: string;
    volumes?: k8s.types.input.core.v1.Volume[];
    /** Only for pods that talk to the Kubernetes API. */
    automountServiceAccountToken?: boolean;
    uid?: number;
    restartPolicy?: string;
    extra?: Partial<PodSpec>;
}

/** A restricted PodSpec: security contexts on pod and containers, its own ServiceAccount, a /tmp emptyDir. */
export function hardenedPodSpec(args: HardenedPodArgs): PodSpec {
    return {
        serviceAccountName: args.serviceAccountName,
        automountServiceAccountToken: args.automountServiceAccountToken ?? false,
        securityContext: restrictedPodSecurityContext(args.uid),
        enableServiceLinks: false,
        restartPolicy: args.restartPolicy,
        ...(args.initContainers ? { initContainers: args.initContainers.map(harden) } : {}),
        containers: args.containers.map(harden),
        volumes: [...(args.volumes ?? []), { name: "tmp", emptyDir: { sizeLimit: args.tmpSizeLimit ?? "64Mi" } }],
        ...args.extra,
    };
}

function harden(c: Container): Container {
    return {
        ...c,
        // A copy per container: a caller (or a test) changing one pod must not change them all.
        securityContext: structuredClone(restrictedContainerSecurityContext),
        volumeMounts: [...((c.volumeMounts as any[]) ?? []), { name: "tmp", mountPath: "/tmp" }],
    };
}
