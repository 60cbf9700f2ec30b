/**
 * The hardening rules, written once: pure functions over a plain Kubernetes object (apiVersion,
 * kind, metadata, spec, ...) returning one message per violation. The policy pack (index.ts)
 * runs them on every resource of `pulumi preview/up --policy-pack policy`; the tests run them on
 * every object of the rendered stacks. Each message names the object, the container (where there
 * is one) and the field, with what is expected.
 */
import { recommendedLabels } from "../components/shared/labels";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: any;
}

export interface Rule {
    /** The policy's name in the pack (letters, digits and hyphens). */
    name: string;
    description: string;
    check(obj: KubeObject): string[];
}

/**
 * A workload whose pods need the Kubernetes API carries this annotation (value "true") on its own
 * metadata or on its pod template; only then may its pods mount a service account token.
 */
export const TOKEN_ANNOTATION = "ologywood.com/needs-service-account-token";

/** The six app.kubernetes.io labels, read from the helper that sets them so the two cannot drift. */
export const RECOMMENDED_LABEL_KEYS: readonly string[] = Object.keys(recommendedLabels({ instance: "i", version: "v" }, "n", "c"));

export const NAMESPACE_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** Pod Security Standards `restricted`: the only volume types a pod may use. */
const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];
const ALLOWED_ADDED_CAPABILITIES = ["NET_BIND_SERVICE"];

/** Where each kind keeps its pod template (the kinds that make pods). */
const POD_SPEC_PATHS: Record<string, { spec: string[]; meta: string[] }> = {
    Pod: { spec: ["spec"], meta: ["metadata"] },
    Deployment: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    StatefulSet: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    DaemonSet: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    ReplicaSet: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    ReplicationController: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    Job: { spec: ["spec", "template", "spec"], meta: ["spec", "template", "metadata"] },
    CronJob: { spec: ["spec", "jobTemplate", "spec", "template", "spec"], meta: ["spec", "jobTemplate", "spec", "template", "metadata"] },
    PodTemplate: { spec: ["template", "spec"], meta: ["template", "metadata"] },
};

interface PodTemplate {
    /** Dotted path of the PodSpec inside the object, e.g. `spec.template.spec`. */
    path: string;
    spec: any;
    /** Path and value of the pod template's metadata. */
    metaPath: string;
    meta: any;
}

interface ContainerRef {
    /** `container "api"`, `init container "migrate"`. */
    label: string;
    /** Dotted path of the container, e.g. `spec.template.spec.containers[0]`. */
    path: string;
    c: any;
}

export function describeObject(obj: KubeObject): string {
    const name = obj.metadata?.name ?? "(unnamed)";
    return `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${name}`;
}

function get(obj: any, path: readonly string[]): any {
    return path.reduce((node, key) => (node === null || typeof node !== "object" ? undefined : node[key]), obj);
}

function show(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}

/** The pod templates of an object: none for kinds that make no pods. */
export function podTemplates(obj: KubeObject): PodTemplate[] {
    const paths = POD_SPEC_PATHS[obj.kind];
    if (!paths) return [];
    return [{ path: paths.spec.join("."), spec: get(obj, paths.spec), metaPath: paths.meta.join("."), meta: get(obj, paths.meta) }];
}

function containersOf(t: PodTemplate, withEphemeral = true): ContainerRef[] {
    const groups: [string, string][] = [
        ["containers", "container"],
        ["initContainers", "init container"],
    ];
    if (withEphemeral) groups.push(["ephemeralContainers", "ephemeral container"]);
    return groups.flatMap(([field, label]) =>
        ((t.spec?.[field] as any[]) ?? []).map((c, i) => ({ label: `${label} "${c?.name ?? i}"`, path: `${t.path}.${field}[${i}]`, c })),
    );
}

/** A rule over every container of every pod template; `where` prefixes each message. */
function perContainer(obj: KubeObject, check: (c: ContainerRef, t: PodTemplate) => string[], withEphemeral = true): string[] {
    return podTemplates(obj).flatMap((t) => {
        if (!t.spec) return [`${describeObject(obj)}: ${t.path} is missing, so its pods cannot be checked`];
        return containersOf(t, withEphemeral).flatMap((ref) => check(ref, t).map((m) => `${describeObject(obj)}, ${ref.label}: ${m}`));
    });
}

function perPod(obj: KubeObject, check: (t: PodTemplate) => string[]): string[] {
    return podTemplates(obj).flatMap((t) => (t.spec ? check(t) : []).map((m) => `${describeObject(obj)}: ${m}`));
}

/** Pod-level and container-level settings where the container's value, when set, wins (PSS semantics). */
function effective(ref: ContainerRef, t: PodTemplate, field: string[], ok: (v: any) => boolean, expected: string): string[] {
    const podPath = `${t.path}.securityContext.${field.join(".")}`;
    const containerPath = `${ref.path}.securityContext.${field.join(".")}`;
    const podValue = get(t.spec, ["securityContext", ...field]);
    const containerValue = get(ref.c, ["securityContext", ...field]);
    if (containerValue !== undefined) return ok(containerValue) ? [] : [`${containerPath} must be ${expected} (got ${show(containerValue)})`];
    if (podValue !== undefined) return [];
    return [`${containerPath} (or ${podPath}) must be ${expected} (got not set)`];
}

const podSecurityRestricted: Rule = {
    name: "pod-security-restricted",
    description:
        "Every pod meets Pod Security Standards `restricted`: non-root, no privilege escalation, capabilities dropped, seccomp on, no host namespaces, ports or paths.",
    check: (obj) => [
        ...perPod(obj, (t) => {
            const problems: string[] = [];
            for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
                if (t.spec[field] === true) problems.push(`${t.path}.${field} must be false or unset (got true)`);
            }
            // Pod-level values are checked here only when set; unset ones are judged per container.
            const podSc = t.spec.securityContext ?? {};
            if (podSc.runAsNonRoot !== undefined && podSc.runAsNonRoot !== true)
                problems.push(`${t.path}.securityContext.runAsNonRoot must be true (got ${show(podSc.runAsNonRoot)})`);
            if (podSc.runAsUser === 0) problems.push(`${t.path}.securityContext.runAsUser must not be 0 (root)`);
            const podSeccomp = podSc.seccompProfile?.type;
            if (podSeccomp !== undefined && !ALLOWED_SECCOMP.includes(podSeccomp)) {
                problems.push(`${t.path}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost (got ${show(podSeccomp)})`);
            }
            ((t.spec.volumes as any[]) ?? []).forEach((v, i) => {
                const type = Object.keys(v ?? {}).find((k) => k !== "name");
                if (!type || !RESTRICTED_VOLUME_TYPES.includes(type)) {
                    problems.push(`volume "${v?.name}" (${t.path}.volumes[${i}]) uses ${type ?? "no source"}; allowed: ${RESTRICTED_VOLUME_TYPES.join(", ")}`);
                }
            });
            return problems;
        }),
        ...perContainer(obj, (ref, t) => {
            const sc = ref.c?.securityContext ?? {};
            const problems: string[] = [];
            if (sc.privileged === true) problems.push(`${ref.path}.securityContext.privileged must be false or unset (got true)`);
            if (sc.allowPrivilegeEscalation !== false)
                problems.push(`${ref.path}.securityContext.allowPrivilegeEscalation must be false (got ${show(sc.allowPrivilegeEscalation)})`);
            const drop: string[] = sc.capabilities?.drop ?? [];
            if (!drop.includes("ALL")) problems.push(`${ref.path}.securityContext.capabilities.drop must include ALL (got ${show(sc.capabilities?.drop)})`);
            const extra = ((sc.capabilities?.add as string[]) ?? []).filter((c) => !ALLOWED_ADDED_CAPABILITIES.includes(c));
            if (extra.length) problems.push(`${ref.path}.securityContext.capabilities.add may only hold NET_BIND_SERVICE (got ${extra.join(", ")})`);
            problems.push(...effective(ref, t, ["runAsNonRoot"], (v) => v === true, "true"));
            if (sc.runAsUser === 0) problems.push(`${ref.path}.securityContext.runAsUser must not be 0 (root)`);
            problems.push(...effective(ref, t, ["seccompProfile", "type"], (v) => ALLOWED_SECCOMP.includes(v), "RuntimeDefault or Localhost"));
            ((ref.c?.ports as any[]) ?? []).forEach((p, i) => {
                if (p?.hostPort) problems.push(`${ref.path}.ports[${i}].hostPort must be unset (got ${p.hostPort})`);
            });
            return problems;
        }),
    ],
};

const readOnlyRootFilesystem: Rule = {
    name: "read-only-root-filesystem",
    description: "Every container has a read-only root filesystem (writable scratch space is an emptyDir at /tmp).",
    check: (obj) =>
        perContainer(obj, (ref) => {
            const v = ref.c?.securityContext?.readOnlyRootFilesystem;
            return v === true ? [] : [`${ref.path}.securityContext.readOnlyRootFilesystem must be true (got ${show(v)})`];
        }),
};

const ownServiceAccount: Rule = {
    name: "own-service-account",
    description: "Every pod runs under its own ServiceAccount, never the namespace's `default`.",
    check: (obj) =>
        perPod(obj, (t) => {
            const sa = t.spec.serviceAccountName ?? t.spec.serviceAccount;
            if (!sa) return [`${t.path}.serviceAccountName must name the workload's own ServiceAccount (got not set, which means "default")`];
            return sa === "default" ? [`${t.path}.serviceAccountName must not be "default"; give the workload its own ServiceAccount`] : [];
        }),
};

const noServiceAccountToken: Rule = {
    name: "no-service-account-token",
    description: `Pods do not mount a service account token unless the object or its pod template is annotated ${TOKEN_ANNOTATION}: "true".`,
    check: (obj) =>
        perPod(obj, (t) => {
            const annotated = obj.metadata?.annotations?.[TOKEN_ANNOTATION] === "true" || t.meta?.annotations?.[TOKEN_ANNOTATION] === "true";
            if (annotated || t.spec.automountServiceAccountToken === false) return [];
            return [
                `${t.path}.automountServiceAccountToken must be false (got ${show(t.spec.automountServiceAccountToken)}); ` +
                    `if the pods really need the Kubernetes API, annotate the object with ${TOKEN_ANNOTATION}: "true"`,
            ];
        }),
};

const containerResources: Rule = {
    name: "container-resources",
    description: "Every container and init container sets CPU and memory requests and limits.",
    // Ephemeral (debug) containers may not set resources, so they are not asked to.
    check: (obj) =>
        perContainer(
            obj,
            (ref) =>
                ["requests", "limits"].flatMap((kind) =>
                    ["cpu", "memory"]
                        .filter((r) => ref.c?.resources?.[kind]?.[r] === undefined || ref.c?.resources?.[kind]?.[r] === "")
                        .map((r) => `${ref.path}.resources.${kind}.${r} must be set (got not set)`),
                ),
            false,
        ),
};

/** Why an image reference is not pinned, or undefined when it is (a tag other than latest, or a digest). */
export function unpinnedImage(image: unknown): string | undefined {
    if (typeof image !== "string" || image === "") return "is missing";
    const at = image.indexOf("@");
    if (at >= 0) return /^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1)) ? undefined : "has a malformed digest (expected @sha256:<64 hex digits>)";
    const name = image.slice(image.lastIndexOf("/") + 1);
    const colon = name.indexOf(":");
    if (colon < 0 || colon === name.length - 1) return "has no tag, so it would pull the mutable :latest";
    return name.slice(colon + 1) === "latest" ? "uses the mutable tag latest" : undefined;
}

const pinnedImages: Rule = {
    name: "pinned-images",
    description: "Every container image has a fixed tag or digest: never `:latest`, never untagged.",
    check: (obj) =>
        perContainer(obj, (ref) => {
            const problem = unpinnedImage(ref.c?.image);
            return problem ? [`${ref.path}.image ${show(ref.c?.image)} ${problem}; expected a fixed version tag or a digest`] : [];
        }),
};

function missingLabels(labels: Record<string, string> | undefined): string[] {
    return RECOMMENDED_LABEL_KEYS.filter((k) => typeof labels?.[k] !== "string" || labels[k] === "");
}

const recommendedLabelsRule: Rule = {
    name: "recommended-labels",
    description: `Every object, and every pod template, carries the six recommended labels: ${RECOMMENDED_LABEL_KEYS.join(", ")}.`,
    check: (obj) => {
        const problems: string[] = [];
        const report = (path: string, labels: Record<string, string> | undefined) => {
            const missing = missingLabels(labels);
            if (missing.length) problems.push(`${describeObject(obj)}: ${path}.labels is missing ${missing.join(", ")}`);
        };
        report("metadata", obj.metadata?.labels);
        if (obj.kind === "CronJob") report("spec.jobTemplate.metadata", obj.spec?.jobTemplate?.metadata?.labels);
        for (const t of podTemplates(obj)) if (t.metaPath !== "metadata") report(t.metaPath, t.meta?.labels);
        return problems;
    },
};

const namespaceEnforcesRestricted: Rule = {
    name: "namespace-enforces-restricted",
    description: `Every Namespace is labelled ${NAMESPACE_ENFORCE_LABEL}: restricted, so the API server rejects any pod that is not.`,
    check: (obj) => {
        if (obj.kind !== "Namespace") return [];
        const v = obj.metadata?.labels?.[NAMESPACE_ENFORCE_LABEL];
        return v === "restricted" ? [] : [`${describeObject(obj)}: metadata.labels["${NAMESPACE_ENFORCE_LABEL}"] must be "restricted" (got ${show(v)})`];
    },
};

export const RULES: readonly Rule[] = [
    podSecurityRestricted,
    readOnlyRootFilesystem,
    ownServiceAccount,
    noServiceAccountToken,
    containerResources,
    pinnedImages,
    recommendedLabelsRule,
    namespaceEnforcesRestricted,
];

export interface Violation {
    rule: string;
    message: string;
}

/** Every rule over one object. */
export function checkObject(obj: KubeObject): Violation[] {
    return RULES.flatMap((rule) => rule.check(obj).map((message) => ({ rule: rule.name, message })));
}
