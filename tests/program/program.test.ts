import * as assert from "assert";
import { WORKLOADS } from "../../components/shared/names";
import { STACKS, objectNamed, objectsOfKind, render } from "../support/render";

const RECOMMENDED_LABELS = ["name", "instance", "version", "component", "part-of", "managed-by"].map((l) => `app.kubernetes.io/${l}`);

describe("stack program (program.ts), rendered offline", () => {
    for (const stack of STACKS) {
        describe(`${stack}`, () => {
            it("puts every object in the stack's namespace, the Namespace first", async () => {
                const r = await render(stack);
                assert.strictEqual(r.objects[0].kind, "Namespace");
                assert.strictEqual(r.objects[0].metadata.name, r.config.namespace);
                for (const o of r.objects.slice(1)) {
                    assert.strictEqual(o.metadata.namespace, r.config.namespace, `${o.kind}/${o.metadata.name} is outside the namespace`);
                }
            });

            it("labels every object with the six recommended labels", async () => {
                const r = await render(stack);
                for (const o of r.objects) {
                    for (const label of RECOMMENDED_LABELS) {
                        assert.ok(o.metadata.labels?.[label], `${o.kind}/${o.metadata.name} lacks ${label}`);
                    }
                    assert.strictEqual(o.metadata.labels["app.kubernetes.io/version"], r.config.imageTag);
                }
            });

            it("enforces Pod Security Standards restricted on the namespace", async () => {
                const ns = objectsOfKind(await render(stack), "Namespace")[0];
                assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            });

            it("denies all traffic by default and lets each workload in and out only where it needs", async () => {
                const r = await render(stack);
                const deny = objectNamed(r, "NetworkPolicy", "default-deny-all");
                assert.deepStrictEqual(deny.spec.podSelector, {});
                assert.deepStrictEqual(deny.spec.policyTypes, ["Ingress", "Egress"]);
                assert.strictEqual(deny.spec.ingress, undefined);
                const api = objectNamed(r, "NetworkPolicy", "api-network");
                const fromNamespaces = api.spec.ingress.map((rule: any) => rule.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
                assert.deepStrictEqual(fromNamespaces, [r.config.ingress.controllerNamespace, r.config.monitoring.prometheusNamespace]);
                assert.deepStrictEqual(api.spec.egress, [
                    { to: [{ ipBlock: { cidr: r.config.db.cidr } }], ports: [{ protocol: "TCP", port: r.config.db.port }] },
                ]);
                const email = objectNamed(r, "NetworkPolicy", "email-network");
                assert.deepStrictEqual(email.spec.ingress, [], "nothing may connect to the email service");
                // The SMTP server the email service is configured with: the relay, or staging's Mailpit.
                const smtpPort = objectNamed(r, "Deployment", WORKLOADS.email).spec.template.spec.containers[0].env.find(
                    (e: any) => e.name === "SMTP_PORT",
                ).value;
                const emailEgress = objectsOfKind(r, "NetworkPolicy")
                    .filter((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] === WORKLOADS.email)
                    .flatMap((p) => p.spec.egress ?? []);
                assert.ok(
                    emailEgress.some((rule: any) => String(rule.ports[0].port) === smtpPort),
                    "email service reaches SMTP",
                );
            });

            it("rolls the API out with zero downtime, probes on /health, and spreads it across nodes", async () => {
                const r = await render(stack);
                const api = objectNamed(r, "Deployment", WORKLOADS.api);
                assert.deepStrictEqual(api.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
                const [container] = api.spec.template.spec.containers;
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    assert.deepStrictEqual(container[probe].httpGet, { path: r.config.app.healthPath, port: "http" }, probe);
                }
                assert.strictEqual(container.ports[0].containerPort, r.config.app.port);
                assert.deepStrictEqual(container.resources, { requests: r.config.api.resources.requests, limits: r.config.api.resources.limits });
                const keys = api.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey);
                assert.ok(keys.includes("kubernetes.io/hostname"));
                assert.strictEqual(container.image, `${r.config.imageRepository}:${r.config.imageTag}`);
            });

            it("autoscales the API from the configured floor, leaving replicas to the autoscaler", async () => {
                const r = await render(stack);
                const hpa = objectNamed(r, "HorizontalPodAutoscaler", WORKLOADS.api);
                assert.strictEqual(hpa.apiVersion, "autoscaling/v2");
                assert.strictEqual(hpa.spec.minReplicas, r.config.api.replicas);
                assert.strictEqual(hpa.spec.maxReplicas, r.config.api.maxReplicas);
                assert.strictEqual(objectNamed(r, "Deployment", WORKLOADS.api).spec.replicas, undefined);
            });

            it("gives every workload a PodDisruptionBudget and its own ServiceAccount without a token", async () => {
                const r = await render(stack);
                for (const deployment of objectsOfKind(r, "Deployment")) {
                    const name = deployment.metadata.name;
                    assert.ok(objectNamed(r, "PodDisruptionBudget", name));
                    const spec = deployment.spec.template.spec;
                    assert.notStrictEqual(spec.serviceAccountName ?? "default", "default", `${name} runs as the default ServiceAccount`);
                    assert.strictEqual(objectNamed(r, "ServiceAccount", spec.serviceAccountName).automountServiceAccountToken, false);
                    assert.strictEqual(spec.automountServiceAccountToken, false);
                }
            });

            it("checks the worker and the email service by heartbeat, not by HTTP", async () => {
                const r = await render(stack);
                for (const name of [WORKLOADS.worker, WORKLOADS.email]) {
                    const [container] = objectNamed(r, "Deployment", name).spec.template.spec.containers;
                    assert.match(container.livenessProbe.exec.command.join(" "), /find \/tmp\/heartbeat -mmin -2/);
                    assert.strictEqual(container.readinessProbe, undefined, `${name} serves no traffic, so it has no readiness probe`);
                }
            });

            it("serves the API over TLS from cert-manager, rate limited, with security headers", async () => {
                const r = await render(stack);
                const ingress = objectNamed(r, "Ingress", WORKLOADS.api);
                assert.deepStrictEqual(ingress.spec.tls, [{ hosts: [r.config.domain], secretName: `${WORKLOADS.api}-tls` }]);
                const a = ingress.metadata.annotations;
                assert.strictEqual(a["cert-manager.io/cluster-issuer"], r.config.ingress.clusterIssuer);
                assert.strictEqual(a["nginx.ingress.kubernetes.io/limit-rps"], String(r.config.ingress.rateLimitRps));
                const headers = objectNamed(r, "ConfigMap", a["nginx.ingress.kubernetes.io/custom-headers"].split("/")[1]);
                assert.match(headers.data["Strict-Transport-Security"], /max-age=/);
                assert.strictEqual(ingress.spec.rules[0].http.paths[0].backend.service.name, WORKLOADS.api);
            });

            it("declares the post-deploy check on the public /health, re-run by the image tag", async () => {
                const r = await render(stack);
                const check = r.resources.find((x) => x.type === "command:local:Command")!;
                assert.strictEqual(check.inputs.environment.CHECK_URL, `https://${r.config.domain}${r.config.app.healthPath}`);
                assert.strictEqual(check.inputs.environment.EXPECT_STATUS, "200");
                assert.deepStrictEqual(check.inputs.triggers, [r.config.imageTag, false]);
                const waitsFor = new Set(check.dependencies.map((u: string) => u.split("::").pop()));
                for (const child of ["api-deployment", "api-ingress", "worker-deployment", "email-deployment"]) {
                    assert.ok(waitsFor.has(child), `post-deploy check does not wait for ${child}`);
                }
            });

            it("keeps components to the style: type tokens, children named from and parented by their component", async () => {
                const r = await render(stack);
                const components = r.resources.filter((x) => x.type.startsWith("ologywood:"));
                assert.ok(components.length >= 6);
                for (const c of components) assert.match(c.type, /^ologywood:[a-z]+:[A-Z][A-Za-z]+$/);
                for (const x of r.resources.filter((y) => y.parent)) {
                    const parent = r.resources.find((p) => p.urn === x.parent)!;
                    assert.ok(x.name.startsWith(`${parent.name}-`), `${x.type} ${x.name} is not named from its component ${parent.name}`);
                }
                for (const x of r.resources.filter((y) => y.type.startsWith("kubernetes:"))) {
                    assert.ok(x.parent, `${x.type} ${x.name} has no component parent`);
                }
            });
        });
    }

    it("routes the public host to the maintenance page, and checks for its 503, when maintenance is on", async () => {
        const r = await render("staging", ["maintenance=true"]);
        const backend = objectNamed(r, "Ingress", WORKLOADS.api).spec.rules[0].http.paths[0].backend;
        assert.strictEqual(backend.service.name, WORKLOADS.maintenance);
        const check = r.resources.find((x) => x.type === "command:local:Command")!;
        assert.strictEqual(check.inputs.environment.EXPECT_STATUS, "503");
        assert.strictEqual(check.inputs.environment.EXPECT_HEADER, "Retry-After");
        // The API keeps running behind the page: switching back is instant.
        assert.ok(objectNamed(r, "Deployment", WORKLOADS.api));
    });

    it("scales every app workload to zero and drops the autoscaler and the check when paused", async () => {
        const r = await render("prod", ["paused=true"]);
        for (const name of [WORKLOADS.api, WORKLOADS.worker, WORKLOADS.email]) {
            assert.strictEqual(objectNamed(r, "Deployment", name).spec.replicas, 0, name);
        }
        assert.deepStrictEqual(objectsOfKind(r, "HorizontalPodAutoscaler"), []);
        assert.ok(!r.resources.some((x) => x.type === "command:local:Command"));
    });

    it("never shows a secret: not in objects, not in resources, not base64-encoded", async () => {
        const secrets = [
            "smtp.password=Sm7p-Pa55-xyz",
            "slack.webhookUrl=https://hooks.slack.com/services/T0/B0/leak",
            "db.adminPassword=Adm1n-Pa55-xyz",
            "monitoring.pagerDutyRoutingKey=Pd-R0ut1ng-K3y-xyz",
        ];
        const r = await render("prod", secrets);
        const text = JSON.stringify(r.objects) + JSON.stringify(r.resources);
        for (const value of ["Sm7p-Pa55-xyz", "hooks.slack.com/services/T0/B0/leak", "Adm1n-Pa55-xyz", "Pd-R0ut1ng-K3y-xyz"]) {
            assert.ok(!text.includes(value), `${value} leaked`);
            assert.ok(!text.includes(Buffer.from(value).toString("base64")), `${value} leaked in base64`);
        }
        assert.deepStrictEqual(objectNamed(r, "Secret", "ologywood-smtp").stringData, { SMTP_PASSWORD: "[secret]" });
        assert.deepStrictEqual(r.placeholders, []);
    });

    it("orders every object after what it depends on", async () => {
        const r = await render("prod");
        const position = new Map(r.resources.map((x) => [x.urn, -1]));
        const objectUrns = r.resources.filter((x) => x.type.startsWith("kubernetes:"));
        r.objects.forEach((o, i) => {
            const named = (x: any) => x.inputs.metadata?.name === o.metadata.name || (!x.inputs.metadata?.name && o.metadata.name.startsWith(`${x.name}-`)); // auto-named
            const res = objectUrns.find((x) => x.inputs?.kind === o.kind && named(x));
            assert.ok(res, `no registered resource for ${o.kind}/${o.metadata.name}`);
            position.set(res!.urn, i);
        });
        for (const x of objectUrns) {
            for (const d of x.dependencies) {
                if ((position.get(d) ?? -1) >= 0) assert.ok(position.get(d)! < position.get(x.urn)!, `${x.name} comes before its dependency ${d}`);
            }
        }
    });
});
