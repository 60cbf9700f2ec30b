/**
 * Each component on its own under pulumi.runtime.setMocks: what it registers for given Args,
 * independent of the stack files.
 */
import * as assert from "assert";
import { ApiService } from "../../components/api";
import { EmailService } from "../../components/email";
import { Maintenance } from "../../components/maintenance";
import { StackNamespace } from "../../components/namespace";
import { PostDeployCheck } from "../../components/postdeploy";
import { Worker } from "../../components/worker";
import { RegisteredResource, runUnderMocks } from "../../render/mock-run";

const labels = { instance: "ologywood-test", version: "2.0.0" };
const resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
const common = {
    namespace: "ologywood-test",
    labels,
    image: "registry.example/booking:2.0.0",
    env: { LOG_LEVEL: "info" },
    resources,
    database: { cidr: "10.1.0.0/24", port: 5432 },
};

const run = (program: () => void) => runUnderMocks("test", {}, program);
const kinds = (rs: RegisteredResource[]) =>
    rs
        .filter((r) => r.custom)
        .map((r) => r.type.split(":").pop())
        .sort();
const state = (rs: RegisteredResource[], kind: string) => rs.find((r) => r.state?.kind === kind)!.state;

describe("components under setMocks", () => {
    it("StackNamespace: restricted namespace, default deny, DNS allowed", async () => {
        const rs = await run(() => new StackNamespace("ns", { name: "ologywood-test", labels }));
        assert.deepStrictEqual(kinds(rs), ["Namespace", "NetworkPolicy", "NetworkPolicy"]);
        assert.strictEqual(rs[0].type, "ologywood:namespace:StackNamespace");
        assert.strictEqual(state(rs, "Namespace").metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("ApiService: deployment, service, ingress, HPA, PDB, headers, policy; maintenance re-points the ingress only", async () => {
        const args = {
            ...common,
            port: 3000,
            healthPath: "/health",
            targetCpuUtilizationPercent: 70,
            paused: false,
            replicas: 3,
            maxReplicas: 6,
            domain: "api.test.example",
            ingress: { className: "nginx", clusterIssuer: "issuer", controllerNamespace: "ingress-nginx", rateLimitRps: 10 },
            prometheusNamespace: "monitoring",
        };
        const normal = await run(() => new ApiService("api", args));
        assert.deepStrictEqual(kinds(normal), [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
        ]);
        const env = state(normal, "Deployment").spec.template.spec.containers[0].env;
        assert.deepStrictEqual(
            env.map((e: any) => e.name),
            ["PORT", "LOG_LEVEL", "DATABASE_URL"],
        );
        assert.strictEqual(env[0].value, "3000", "the app's port from its args");

        const inMaintenance = await run(() => new ApiService("api", { ...args, maintenanceBackend: { serviceName: "page", port: 80 } }));
        assert.strictEqual(state(inMaintenance, "Ingress").spec.rules[0].http.paths[0].backend.service.name, "page");
        assert.deepStrictEqual(state(inMaintenance, "Deployment").spec, state(normal, "Deployment").spec, "the API itself is untouched");

        const paused = await run(() => new ApiService("api", { ...args, paused: true }));
        assert.ok(!kinds(paused).includes("HorizontalPodAutoscaler"));
        assert.strictEqual(state(paused, "Deployment").spec.replicas, 0);
    });

    it("Worker: a background deployment with a heartbeat probe and database egress only", async () => {
        const rs = await run(() => new Worker("worker", { ...common, replicas: 2, heartbeat: { file: "/tmp/beat", maxAgeMinutes: 3 } }));
        assert.deepStrictEqual(kinds(rs), ["Deployment", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount"]);
        const deployment = state(rs, "Deployment");
        assert.strictEqual(deployment.spec.replicas, 2);
        assert.match(deployment.spec.template.spec.containers[0].livenessProbe.exec.command[2], /find \/tmp\/beat -mmin -3/);
        assert.deepStrictEqual(state(rs, "NetworkPolicy").spec.egress, [
            { to: [{ ipBlock: { cidr: "10.1.0.0/24" } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ]);
    });

    it("EmailService: the SMTP password only in a Secret, referenced by the pod", async () => {
        const rs = await run(
            () =>
                new EmailService("email", {
                    ...common,
                    replicas: 1,
                    heartbeat: { file: "/tmp/heartbeat", maxAgeMinutes: 2 },
                    smtp: { host: "smtp.test.example", port: 2525, user: "u", from: "a@test.example", password: "Sm7p-Secret", cidr: "0.0.0.0/0" },
                }),
        );
        assert.ok(!JSON.stringify(rs).includes("Sm7p-Secret"));
        const env = state(rs, "Deployment").spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env.find((e: any) => e.name === "SMTP_PASSWORD").valueFrom, { secretKeyRef: { name: "ologywood-smtp", key: "SMTP_PASSWORD" } });
        assert.strictEqual(env.find((e: any) => e.name === "SMTP_PORT").value, "2525");
        const secret = rs.find((r) => r.state?.kind === "Secret")!;
        const deployment = rs.find((r) => r.state?.kind === "Deployment")!;
        assert.ok(deployment.dependencies.includes(secret.urn), "the pods start after their Secret exists");
    });

    it("Maintenance: the nginx files from the repo in a ConfigMap, run unprivileged on 8080", async () => {
        const rs = await run(() => new Maintenance("maintenance", { namespace: "ologywood-test", labels, ingressControllerNamespace: "ingress-nginx" }));
        assert.deepStrictEqual(Object.keys(state(rs, "ConfigMap").data).sort(), ["maintenance.html", "maintenance.json", "nginx.conf"]);
        const pod = state(rs, "Deployment").spec.template.spec;
        assert.strictEqual(pod.containers[0].ports[0].containerPort, 8080);
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
    });

    it("PostDeployCheck: one command whose text is the script file, re-run by tag or maintenance", async () => {
        const rs = await run(
            () =>
                new PostDeployCheck("check", {
                    url: "https://api.test.example",
                    healthPath: "/health",
                    imageTag: "2.0.0",
                    maintenance: false,
                    attempts: 3,
                    intervalSeconds: 1,
                    timeoutSeconds: 1,
                    after: [],
                }),
        );
        const command = rs.find((r) => r.type === "command:local:Command")!;
        assert.match(command.inputs.create, /post-deploy check FAILED/);
        assert.deepStrictEqual(command.inputs.interpreter, ["/bin/bash", "-c"]);
        assert.deepStrictEqual(command.inputs.triggers, ["2.0.0", false]);
        assert.strictEqual(command.inputs.environment.CHECK_URL, "https://api.test.example/health");
    });
});
