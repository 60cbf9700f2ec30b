/**
 * Each rule of the policy pack (policy/rules.ts) on a compliant object and on violating ones:
 * the message must name the object, the container (where there is one) and the field.
 */
import assert from "node:assert/strict";
import { KubeObject, RULES, TOKEN_ANNOTATION, checkObject, unpinnedImage } from "../../policy/rules";
import { NS, POD_PATH, WORKLOADS, labels, namespace, podSpecOf } from "./fixtures";

const OBJECT = `Deployment ${NS}/ologywood-api`;
const API = `${OBJECT}, container "api"`;
const C0 = "spec.template.spec.containers[0]";
const POD = "spec.template.spec";

interface Case {
    rule: string;
    what: string;
    /** Turns the compliant Deployment into a violating one. */
    mutate: (d: any, pod: any, c: any) => void;
    /** Every string must appear in one message of the rule. */
    expect: string[];
}

const sc = (c: any) => c.securityContext;

const VIOLATIONS: Case[] = [
    {
        rule: "pod-security-restricted",
        what: "privilege escalation allowed",
        mutate: (_d, _p, c) => {
            sc(c).allowPrivilegeEscalation = true;
        },
        expect: [API, `${C0}.securityContext.allowPrivilegeEscalation must be false (got true)`],
    },
    {
        rule: "pod-security-restricted",
        what: "privilege escalation not set",
        mutate: (_d, _p, c) => {
            delete sc(c).allowPrivilegeEscalation;
        },
        expect: [API, `${C0}.securityContext.allowPrivilegeEscalation must be false (got not set)`],
    },
    {
        rule: "pod-security-restricted",
        what: "privileged container",
        mutate: (_d, _p, c) => {
            sc(c).privileged = true;
        },
        expect: [API, `${C0}.securityContext.privileged must be false`],
    },
    {
        rule: "pod-security-restricted",
        what: "capabilities not dropped",
        mutate: (_d, _p, c) => {
            sc(c).capabilities = { drop: ["NET_RAW"] };
        },
        expect: [API, `${C0}.securityContext.capabilities.drop must include ALL`],
    },
    {
        rule: "pod-security-restricted",
        what: "a capability added",
        mutate: (_d, _p, c) => {
            sc(c).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] };
        },
        expect: [API, `${C0}.securityContext.capabilities.add may only hold NET_BIND_SERVICE (got SYS_ADMIN)`],
    },
    {
        rule: "pod-security-restricted",
        what: "runAsNonRoot nowhere",
        mutate: (_d, p, c) => {
            delete sc(c).runAsNonRoot;
            delete p.securityContext.runAsNonRoot;
        },
        expect: [API, `${C0}.securityContext.runAsNonRoot (or ${POD}.securityContext.runAsNonRoot) must be true (got not set)`],
    },
    {
        rule: "pod-security-restricted",
        what: "container overrides runAsNonRoot",
        mutate: (_d, _p, c) => {
            sc(c).runAsNonRoot = false;
        },
        expect: [API, `${C0}.securityContext.runAsNonRoot must be true (got false)`],
    },
    {
        rule: "pod-security-restricted",
        what: "pod runs as root",
        mutate: (_d, p) => {
            p.securityContext.runAsUser = 0;
        },
        expect: [OBJECT, `${POD}.securityContext.runAsUser must not be 0`],
    },
    {
        rule: "pod-security-restricted",
        what: "container runs as root",
        mutate: (_d, _p, c) => {
            sc(c).runAsUser = 0;
        },
        expect: [API, `${C0}.securityContext.runAsUser must not be 0`],
    },
    {
        rule: "pod-security-restricted",
        what: "seccomp unconfined",
        mutate: (_d, _p, c) => {
            sc(c).seccompProfile = { type: "Unconfined" };
        },
        expect: [API, `${C0}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost (got "Unconfined")`],
    },
    {
        rule: "pod-security-restricted",
        what: "seccomp nowhere",
        mutate: (_d, p, c) => {
            delete sc(c).seccompProfile;
            delete p.securityContext.seccompProfile;
        },
        expect: [API, `${C0}.securityContext.seccompProfile.type (or ${POD}.securityContext.seccompProfile.type) must be RuntimeDefault or Localhost`],
    },
    {
        rule: "pod-security-restricted",
        what: "pod-level seccomp unconfined",
        mutate: (_d, p) => {
            p.securityContext.seccompProfile = { type: "Unconfined" };
        },
        expect: [OBJECT, `${POD}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost (got "Unconfined")`],
    },
    {
        rule: "pod-security-restricted",
        what: "host network",
        mutate: (_d, p) => {
            p.hostNetwork = true;
        },
        expect: [OBJECT, `${POD}.hostNetwork must be false or unset (got true)`],
    },
    {
        rule: "pod-security-restricted",
        what: "host PID",
        mutate: (_d, p) => {
            p.hostPID = true;
        },
        expect: [OBJECT, `${POD}.hostPID must be false`],
    },
    {
        rule: "pod-security-restricted",
        what: "host IPC",
        mutate: (_d, p) => {
            p.hostIPC = true;
        },
        expect: [OBJECT, `${POD}.hostIPC must be false`],
    },
    {
        rule: "pod-security-restricted",
        what: "hostPath volume",
        mutate: (_d, p) => {
            p.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
        },
        expect: [OBJECT, `volume "docker" (${POD}.volumes[1]) uses hostPath`],
    },
    {
        rule: "pod-security-restricted",
        what: "host port",
        mutate: (_d, _p, c) => {
            c.ports = [{ containerPort: 80, hostPort: 80 }];
        },
        expect: [API, `${C0}.ports[0].hostPort must be unset (got 80)`],
    },
    {
        rule: "pod-security-restricted",
        what: "an init container without hardening",
        mutate: (_d, p) => {
            p.initContainers = [{ name: "migrate", image: "x:1" }];
        },
        expect: [`${OBJECT}, init container "migrate"`, `${POD}.initContainers[0].securityContext.allowPrivilegeEscalation must be false`],
    },
    {
        rule: "read-only-root-filesystem",
        what: "writable root",
        mutate: (_d, _p, c) => {
            sc(c).readOnlyRootFilesystem = false;
        },
        expect: [API, `${C0}.securityContext.readOnlyRootFilesystem must be true (got false)`],
    },
    {
        rule: "read-only-root-filesystem",
        what: "root filesystem not set",
        mutate: (_d, _p, c) => {
            delete c.securityContext;
        },
        expect: [API, `${C0}.securityContext.readOnlyRootFilesystem must be true (got not set)`],
    },
    {
        rule: "own-service-account",
        what: "no service account",
        mutate: (_d, p) => {
            delete p.serviceAccountName;
        },
        expect: [OBJECT, `${POD}.serviceAccountName must name the workload's own ServiceAccount`],
    },
    {
        rule: "own-service-account",
        what: "the default service account",
        mutate: (_d, p) => {
            p.serviceAccountName = "default";
        },
        expect: [OBJECT, `${POD}.serviceAccountName must not be "default"`],
    },
    {
        rule: "no-service-account-token",
        what: "token mounted",
        mutate: (_d, p) => {
            p.automountServiceAccountToken = true;
        },
        expect: [OBJECT, `${POD}.automountServiceAccountToken must be false (got true)`, TOKEN_ANNOTATION],
    },
    {
        rule: "no-service-account-token",
        what: "token left to the default",
        mutate: (_d, p) => {
            delete p.automountServiceAccountToken;
        },
        expect: [OBJECT, `${POD}.automountServiceAccountToken must be false (got not set)`],
    },
    {
        rule: "no-service-account-token",
        what: "annotation with another value",
        mutate: (d, p) => {
            p.automountServiceAccountToken = true;
            d.metadata.annotations = { [TOKEN_ANNOTATION]: "yes" };
        },
        expect: [OBJECT, `${POD}.automountServiceAccountToken must be false`],
    },
    {
        rule: "container-resources",
        what: "no limits",
        mutate: (_d, _p, c) => {
            delete c.resources.limits;
        },
        expect: [API, `${C0}.resources.limits.cpu must be set`, `${C0}.resources.limits.memory must be set`],
    },
    {
        rule: "container-resources",
        what: "no memory request",
        mutate: (_d, _p, c) => {
            delete c.resources.requests.memory;
        },
        expect: [API, `${C0}.resources.requests.memory must be set`],
    },
    {
        rule: "container-resources",
        what: "no resources at all",
        mutate: (_d, _p, c) => {
            delete c.resources;
        },
        expect: [API, `${C0}.resources.requests.cpu must be set`],
    },
    {
        rule: "pinned-images",
        what: ":latest",
        mutate: (_d, _p, c) => {
            c.image = "ghcr.io/ologywood/booking:latest";
        },
        expect: [API, `${C0}.image "ghcr.io/ologywood/booking:latest" uses the mutable tag latest`],
    },
    {
        rule: "pinned-images",
        what: "untagged",
        mutate: (_d, _p, c) => {
            c.image = "ghcr.io/ologywood/booking";
        },
        expect: [API, `${C0}.image "ghcr.io/ologywood/booking" has no tag`],
    },
    {
        rule: "recommended-labels",
        what: "labels missing on the object",
        mutate: (d) => {
            delete d.metadata.labels["app.kubernetes.io/version"];
            delete d.metadata.labels["app.kubernetes.io/part-of"];
        },
        expect: [OBJECT, "metadata.labels is missing app.kubernetes.io/version, app.kubernetes.io/part-of"],
    },
    {
        rule: "recommended-labels",
        what: "labels missing on the pod template",
        mutate: (d) => {
            d.spec.template.metadata.labels = { "app.kubernetes.io/name": "x" };
        },
        expect: [OBJECT, "spec.template.metadata.labels is missing app.kubernetes.io/instance"],
    },
    {
        rule: "recommended-labels",
        what: "an empty label value",
        mutate: (d) => {
            d.metadata.labels["app.kubernetes.io/component"] = "";
        },
        expect: [OBJECT, "metadata.labels is missing app.kubernetes.io/component"],
    },
];

function messagesOf(rule: string, obj: KubeObject): string[] {
    const found = RULES.find((r) => r.name === rule);
    assert.ok(found, `no rule named ${rule}`);
    return found.check(obj);
}

function assertReported(messages: string[], expected: string[], what: string): void {
    for (const part of expected) {
        assert.ok(
            messages.some((m) => m.includes(part)),
            `${what}: expected a message containing\n  ${part}\ngot:\n  ${messages.join("\n  ") || "(none)"}`,
        );
    }
}

describe("policy rules (policy/rules.ts)", function () {
    describe("compliant objects pass every rule", function () {
        for (const [kind, make] of Object.entries(WORKLOADS)) {
            it(`a ${kind} built with hardenedPodSpec and recommendedLabels`, function () {
                assert.deepEqual(checkObject(make()), []);
            });
        }
        it("a Namespace labelled enforce: restricted", function () {
            assert.deepEqual(checkObject(namespace()), []);
        });
        it("a ConfigMap, a Service and a custom resource with the six labels", function () {
            for (const obj of [
                { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: NS, labels: labels() }, data: {} },
                { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: NS, labels: labels() }, spec: { ports: [{ port: 80 }] } },
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: "r", namespace: NS, labels: labels() },
                    spec: { groups: [] },
                },
            ])
                assert.deepEqual(checkObject(obj), [], obj.kind);
        });
        it("a workload that needs the API token and says so with the annotation", function () {
            for (const where of ["object", "pod template"]) {
                const d = WORKLOADS.Deployment();
                d.spec.template.spec.automountServiceAccountToken = true;
                const target = where === "object" ? d.metadata! : d.spec.template.metadata;
                target.annotations = { [TOKEN_ANNOTATION]: "true" };
                assert.deepEqual(checkObject(d), [], where);
            }
        });
        it("NET_BIND_SERVICE added, seccomp Localhost, runAsNonRoot only on the containers", function () {
            const d = WORKLOADS.Deployment();
            const pod = podSpecOf(d);
            const c = pod.containers[0];
            delete pod.securityContext.runAsNonRoot;
            delete pod.securityContext.seccompProfile;
            c.securityContext = {
                ...c.securityContext,
                capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                seccompProfile: { type: "Localhost", localhostProfile: "p.json" },
            };
            assert.deepEqual(checkObject(d), []);
        });
    });

    describe("violations name the object, the container and the field", function () {
        for (const c of VIOLATIONS) {
            it(`${c.rule}: ${c.what}`, function () {
                const d = WORKLOADS.Deployment();
                const pod = d.spec.template.spec;
                c.mutate(d, pod, pod.containers[0]);
                assertReported(messagesOf(c.rule, d), c.expect, c.what);
            });
        }
    });

    describe("every kind that makes pods is checked at its own pod template", function () {
        for (const [kind, make] of Object.entries(WORKLOADS)) {
            it(kind, function () {
                const obj = make();
                const pod = podSpecOf(obj);
                pod.containers[0].image = "busybox";
                pod.hostNetwork = true;
                const path = POD_PATH[kind];
                const messages = checkObject(obj).map((v) => v.message);
                assertReported(
                    messages,
                    [`${kind} ${NS}/ologywood-api, container "api": ${path}.containers[0].image "busybox" has no tag`, `${path}.hostNetwork must be false`],
                    kind,
                );
            });
        }
        it("a CronJob's job template carries the labels too", function () {
            const cj = WORKLOADS.CronJob();
            delete cj.spec.jobTemplate.metadata;
            assertReported(
                messagesOf("recommended-labels", cj),
                [`CronJob ${NS}/ologywood-api: spec.jobTemplate.metadata.labels is missing app.kubernetes.io/name`],
                "CronJob",
            );
        });
        it("a workload without a pod spec is reported, not skipped", function () {
            const d = WORKLOADS.Deployment();
            delete d.spec.template.spec;
            assertReported(messagesOf("read-only-root-filesystem", d), [`${OBJECT}: spec.template.spec is missing`], "no pod spec");
        });
    });

    describe("namespace-enforces-restricted", function () {
        for (const [what, value, got] of [
            ["missing", undefined, "not set"],
            ["baseline", "baseline", '"baseline"'],
        ] as const) {
            it(`rejects a Namespace whose enforce label is ${what}`, function () {
                const ns = namespace();
                if (value === undefined) delete ns.metadata!.labels!["pod-security.kubernetes.io/enforce"];
                else ns.metadata!.labels!["pod-security.kubernetes.io/enforce"] = value;
                assertReported(
                    messagesOf("namespace-enforces-restricted", ns),
                    [`Namespace ${NS}: metadata.labels["pod-security.kubernetes.io/enforce"] must be "restricted" (got ${got})`],
                    what,
                );
            });
        }
        it("labels are required on a Namespace like on any object", function () {
            const ns = namespace();
            delete ns.metadata!.labels!["app.kubernetes.io/managed-by"];
            assertReported(messagesOf("recommended-labels", ns), [`Namespace ${NS}: metadata.labels is missing app.kubernetes.io/managed-by`], "namespace");
        });
    });

    describe("image references", function () {
        const table: [string, boolean][] = [
            ["ghcr.io/ologywood/booking:1.2.3", true],
            ["nginxinc/nginx-unprivileged:1.27.5-alpine", true],
            ["localhost:5000/app:v2", true],
            [`ghcr.io/ologywood/booking@sha256:${"a".repeat(64)}`, true],
            [`ghcr.io/ologywood/booking:1.2.3@sha256:${"b".repeat(64)}`, true],
            ["ghcr.io/ologywood/booking:latest", false],
            ["ghcr.io/ologywood/booking", false],
            ["localhost:5000/app", false],
            ["booking:", false],
            ["ghcr.io/ologywood/booking@sha256:abc", false],
            ["", false],
        ];
        for (const [image, pinned] of table) {
            it(`${JSON.stringify(image)} is ${pinned ? "" : "not "}pinned`, function () {
                assert.equal(unpinnedImage(image) === undefined, pinned, unpinnedImage(image));
            });
        }
    });
});
