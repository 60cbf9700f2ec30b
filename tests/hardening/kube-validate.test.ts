/**
 * Schema validation of Kubernetes objects (tests/support/kube-validate.ts): hand-made objects
 * first, to show what it catches, then every object of both rendered stacks.
 */
import assert from "node:assert/strict";
import { modelModule, schemaProblems, validateObjects } from "../support/kube-validate";
import { render, STACKS } from "../support/render";
import { WORKLOADS, namespace } from "./fixtures";

const meta = { name: "x", namespace: "ologywood-test", labels: { "app.kubernetes.io/name": "x" } };

const VALID: [string, any][] = [
    ["a Deployment built with hardenedPodSpec", WORKLOADS.Deployment()],
    ["a CronJob", WORKLOADS.CronJob()],
    ["a Namespace", namespace()],
    ["a ConfigMap whose keys are file names", { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: { "nginx.conf": "x", "maintenance.json": "{}" } }],
    [
        "a NetworkPolicy",
        { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    ],
    [
        "a PrometheusRule",
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: meta,
            spec: {
                groups: [
                    {
                        name: "g",
                        rules: [{ alert: "OlogywoodDown", expr: "up == 0", for: "5m", labels: { severity: "critical" }, annotations: { summary: "s" } }],
                    },
                ],
            },
        },
    ],
    [
        "a ServiceMonitor",
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: meta,
            spec: { selector: { matchLabels: { a: "b" } }, endpoints: [{ port: "http", path: "/metrics", interval: "30s" }] },
        },
    ],
    [
        "a cert-manager Certificate",
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: meta,
            spec: { secretName: "tls", dnsNames: ["api.ologywood.com"], issuerRef: { name: "letsencrypt-prod", kind: "ClusterIssuer" } },
        },
    ],
];

const INVALID: [string, any, string][] = [
    [
        "a string where an integer belongs",
        { ...WORKLOADS.Deployment(), spec: { ...WORKLOADS.Deployment().spec, replicas: "3" } },
        "/spec/replicas: must be integer",
    ],
    [
        "a missing required field",
        { apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { template: {} } },
        "/spec: must have required property selector",
    ],
    [
        "a value outside the enum",
        { apiVersion: "v1", kind: "Service", metadata: meta, spec: { type: "Public", ports: [{ port: 80 }] } },
        "/spec/type: must be equal to one of the allowed values",
    ],
    ["a misspelled top-level field", { apiVersion: "v1", kind: "ConfigMap", metadata: meta, dta: { a: "b" } }, "/dta: unknown field"],
    ["a misspelled metadata field", { apiVersion: "v1", kind: "ConfigMap", metadata: { ...meta, label: { a: "b" } } }, "/metadata/label: unknown field"],
    [
        "a misspelled container field",
        (() => {
            const d = WORKLOADS.Deployment();
            d.spec.template.spec.containers[0].imagePullPolcy = "Always";
            return d;
        })(),
        "/spec/template/spec/containers/0/imagePullPolcy: unknown field",
    ],
    [
        "a misspelled field in a custom resource",
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: meta,
            spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0", annotation: {} }] }] },
        },
        "/spec/groups/0/rules/0/annotation: unknown field",
    ],
    [
        "a bad quantity",
        (() => {
            const d = WORKLOADS.Deployment();
            d.spec.template.spec.containers[0].resources.limits.cpu = { cores: 1 };
            return d;
        })(),
        "/spec/template/spec/containers/0/resources/limits/cpu: must be string",
    ],
];

describe("schema validation with kubernetes-models (tests/support/kube-validate.ts)", function () {
    it("maps apiVersion and kind to the model's module", function () {
        assert.equal(modelModule("apps/v1", "Deployment"), "kubernetes-models/apps/v1/Deployment");
        assert.equal(modelModule("v1", "Namespace"), "kubernetes-models/v1/Namespace");
        assert.equal(
            modelModule("monitoring.coreos.com/v1", "PrometheusRule"),
            "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
        );
        assert.equal(modelModule("cert-manager.io/v1", "Certificate"), "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate");
    });

    for (const [what, obj] of VALID) {
        it(`accepts ${what}`, async function () {
            assert.deepEqual(await schemaProblems(obj), []);
        });
    }

    for (const [what, obj, expected] of INVALID) {
        it(`rejects ${what}`, async function () {
            const problems = await schemaProblems(obj);
            assert.ok(
                problems.some((p) => p.startsWith(expected)),
                `expected a problem starting with\n  ${expected}\ngot:\n  ${problems.join("\n  ") || "(none)"}`,
            );
        });
    }

    for (const [apiVersion, kind] of [
        ["v1", "Frobnicator"],
        ["example.com/v1", "Widget"],
        ["apps/v1", "DeploymentSpec"],
    ]) {
        it(`fails for a kind it has no schema for (${apiVersion} ${kind}), so nothing goes unchecked`, async function () {
            const problems = await validateObjects([{ apiVersion, kind, metadata: { name: "x" } }]);
            assert.equal(problems.length, 1);
            assert.match(problems[0], new RegExp(`^${kind} x: no schema for ${apiVersion.replace(/\./g, "\\.")} ${kind}`));
        });
    }

    for (const stack of STACKS) {
        it(`validates every object of the rendered ${stack} stack`, async function () {
            const { objects } = await render(stack);
            assert.ok(objects.length > 0);
            assert.deepEqual(await validateObjects(objects), []);
        });

        it(`catches a misspelled field deep inside a rendered ${stack} object (the strict check sees real objects)`, async function () {
            const { objects } = await render(stack);
            const api = structuredClone(objects.find((o) => o.kind === "Deployment"));
            api.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: "/health", port: 3000 } };
            assert.deepEqual(
                (await validateObjects([api])).map((p) => p.replace(/^.*?: /, "")),
                ["/spec/template/spec/containers/0/readinesProbe: unknown field (not in the schema)"],
            );
        });
    }
});
