/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: loaded by Pulumi's own runner
 * and asked over the engine's gRPC protocol. Also the mapping from Pulumi resources to objects.
 */
import assert from "node:assert/strict";
import { kubeObjectFromResource } from "../../policy/resource";
import { RULES } from "../../policy/rules";
import { RunningPack, pulumiTypeOf, startPolicyPack } from "../support/policy-pack";
import { render, STACKS } from "../support/render";
import { NS, WORKLOADS, namespace } from "./fixtures";

describe("policy/resource.ts: Pulumi resources to Kubernetes objects", function () {
    const table: [string, string | undefined][] = [
        ["kubernetes:apps/v1:Deployment", "apps/v1 Deployment"],
        ["kubernetes:core/v1:Namespace", "v1 Namespace"],
        ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "networking.k8s.io/v1 NetworkPolicy"],
        ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring.coreos.com/v1 PrometheusRule"],
        ["kubernetes:apps/v1:DeploymentPatch", undefined],
        ["kubernetes:core/v1:ConfigMapList", undefined],
        ["kubernetes:helm.sh/v3:Release", undefined],
        ["kubernetes:yaml/v2:ConfigGroup", undefined],
        ["kubernetes:yaml:ConfigFile", undefined],
        ["pulumi:providers:kubernetes", undefined],
        ["command:local:Command", undefined],
        ["ologywood:api:ApiService", undefined],
    ];
    for (const [type, expected] of table) {
        it(`${type} -> ${expected ?? "not an object"}`, function () {
            const obj = kubeObjectFromResource(type, { metadata: { namespace: NS } }, "res");
            assert.equal(obj && `${obj.apiVersion} ${obj.kind}`, expected);
        });
    }
    it("names an auto-named object by its Pulumi resource name, keeps an explicit name", function () {
        assert.equal(kubeObjectFromResource("kubernetes:core/v1:ConfigMap", { metadata: {} }, "maintenance-files")!.metadata!.name, "maintenance-files");
        assert.equal(kubeObjectFromResource("kubernetes:core/v1:ConfigMap", { metadata: { name: "x" } }, "y")!.metadata!.name, "x");
    });
});

describe("policy pack under Pulumi's runner (gRPC, as the engine calls it)", function () {
    this.timeout(120000);
    let pack: RunningPack | undefined;

    before(async function () {
        pack = await startPolicyPack();
    });
    after(async function () {
        await pack?.stop();
    });

    it("offers every rule of rules.ts, each mandatory", async function () {
        const info = await pack!.info();
        assert.equal(info.name, "ologywood-hardening");
        assert.deepEqual(
            info.policies.map((p) => p.name),
            RULES.map((r) => r.name),
        );
        for (const p of info.policies) assert.equal(p.enforcement, "mandatory", p.name);
    });

    it("finds nothing wrong with a compliant Deployment and Namespace", async function () {
        const d = WORKLOADS.Deployment();
        assert.deepEqual(await pack!.analyze(pulumiTypeOf(d.apiVersion, d.kind), "api", d), []);
        const ns = namespace();
        assert.deepEqual(await pack!.analyze("kubernetes:core/v1:Namespace", "ns", ns), []);
    });

    it("reports a violating Deployment as mandatory violations naming object, container and field", async function () {
        const d = WORKLOADS.Deployment();
        d.spec.template.spec.containers[0].image = "ghcr.io/ologywood/booking:latest";
        d.spec.template.spec.automountServiceAccountToken = true;
        const found = await pack!.analyze("kubernetes:apps/v1:Deployment", "api", d);
        assert.deepEqual(found.map((f) => f.policy).sort(), ["no-service-account-token", "pinned-images"]);
        for (const f of found) assert.equal(f.enforcement, "mandatory");
        assert.match(
            found.find((f) => f.policy === "pinned-images")!.message,
            new RegExp(
                `Deployment ${NS}/ologywood-api, container "api": spec\\.template\\.spec\\.containers\\[0\\]\\.image "ghcr\\.io/ologywood/booking:latest" uses the mutable tag latest`,
            ),
        );
    });

    it("reports a Namespace that does not enforce restricted", async function () {
        const ns = namespace();
        delete ns.metadata!.labels!["pod-security.kubernetes.io/enforce"];
        const found = await pack!.analyze("kubernetes:core/v1:Namespace", "ns", ns);
        assert.deepEqual(
            found.map((f) => f.policy),
            ["namespace-enforces-restricted"],
        );
    });

    it("leaves resources that are not Kubernetes objects alone", async function () {
        assert.deepEqual(await pack!.analyze("command:local:Command", "check", { create: "true", image: "x:latest" }), []);
    });

    for (const stack of STACKS) {
        it(`finds no violation in any Kubernetes resource the ${stack} program registers (its inputs, as the engine sends them)`, async function () {
            const result = await render(stack);
            const kube = result.resources.filter((r) => kubeObjectFromResource(r.type, r.inputs ?? {}, r.name));
            assert.ok(kube.length >= result.objects.length, `expected every rendered object among the resources (${kube.length} < ${result.objects.length})`);
            const found = (await Promise.all(kube.map((r) => pack!.analyze(r.type, r.name, r.inputs)))).flat();
            assert.deepEqual(
                found.map((f) => `${f.policy}: ${f.message}`),
                [],
            );
        });
    }
});
