import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { mailpitSchema, MAILPIT_IMAGE } from "../../config/release";
import { Mailpit, MAILPIT_TYPE } from "../../components/mailpit";
import { MAILPIT, mailpitContainer, portForwardCommand } from "../../components/mailpit/spec";
import { selectorLabels } from "../../components/shared/labels";
import { WORKLOADS } from "../../components/shared/names";

const ctx = { instance: "ologywood-staging", version: "1.4.2" };
const emailPods = selectorLabels(ctx, WORKLOADS.email);
const mailpitPods = selectorLabels(ctx, MAILPIT.name);
const RECOMMENDED = ["name", "instance", "version", "component", "part-of", "managed-by"].map((l) => `app.kubernetes.io/${l}`);

const promiseOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("Mailpit builders (pure)", () => {
    const defaults = mailpitSchema.parse({});

    it("the default image is pinned to a version", () => {
        assert.match(MAILPIT_IMAGE, /^docker\.io\/axllent\/mailpit:v\d+\.\d+\.\d+$/);
        assert.strictEqual(defaults.image, MAILPIT_IMAGE);
    });

    it("rejects an unpinned image, naming what is expected", () => {
        for (const image of ["axllent/mailpit", "axllent/mailpit:latest", ""]) {
            const r = mailpitSchema.safeParse({ image });
            assert.ok(!r.success, `${image} must be rejected`);
            assert.match(r.error.issues[0].message, /expected an image with a fixed version tag/);
        }
    });

    it("the container listens on SMTP 1025 and HTTP 8025 on all IPv4 addresses, keeps its database in /tmp", () => {
        const c = mailpitContainer({ image: MAILPIT_IMAGE, maxMessages: 800, resources: defaults.resources });
        const env = Object.fromEntries((c.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
        assert.deepStrictEqual(
            (c.ports as any[]).map((p) => [p.name, p.containerPort]),
            [
                ["smtp", 1025],
                ["http", 8025],
            ],
        );
        assert.strictEqual(env.MP_SMTP_BIND_ADDR, "0.0.0.0:1025");
        assert.strictEqual(env.MP_UI_BIND_ADDR, "0.0.0.0:8025");
        assert.match(env.MP_DATABASE, /^\/tmp\//, "the root filesystem is read-only: only /tmp is writable");
        assert.strictEqual(env.MP_MAX_MESSAGES, "800");
        assert.strictEqual(env.MP_SMTP_AUTH_ACCEPT_ANY, "true", "the email service logs in with its real credentials");
        assert.strictEqual(env.MP_SMTP_AUTH_ALLOW_INSECURE, "true", "... over plain SMTP");
        assert.deepStrictEqual((c.readinessProbe as any).httpGet, { path: "/readyz", port: "http" });
        assert.deepStrictEqual((c.livenessProbe as any).httpGet, { path: "/livez", port: "http" });
    });

    it("the pipeline reaches the API through a port-forward of the Service", () => {
        assert.strictEqual(portForwardCommand("ologywood-staging"), "kubectl --namespace ologywood-staging port-forward service/ologywood-mailpit 8025:8025");
    });
});

describe("Mailpit component (setMocks)", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    let mailpit: Mailpit;
    let custom: Mailpit;

    before(async () => {
        // In before(), not at the top: mocha loads every test file first, and the last setMocks wins.
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => args.inputs,
            },
            "ologywood",
            "staging",
        );
        // The schema's defaults, as program.ts passes them.
        const defaults = mailpitSchema.parse({});
        mailpit = new Mailpit("mailpit", { namespace: "ologywood-staging", labels: ctx, senderSelector: emailPods, ...defaults });
        custom = new Mailpit("custom", {
            namespace: "ns2",
            labels: ctx,
            senderSelector: emailPods,
            ...defaults,
            image: "registry.local/mailpit:v1.29.0",
            maxMessages: 2000,
        });
        await Promise.all(
            [mailpit, custom].flatMap((m) =>
                [m.urn, m.deployment.urn, m.service.urn, ...m.networkPolicies.map((p) => p.urn), m.smtpHost, m.portForward].map(promiseOf),
            ),
        );
    });

    const objects = (prefix: string) => registered.filter((r) => r.name.startsWith(`${prefix}-`));
    const ofKind = (prefix: string, type: string) => {
        const found = objects(prefix).filter((r) => r.type === type);
        assert.ok(found.length > 0, `no ${type} registered for ${prefix}`);
        return found;
    };

    it("registers under its type token, with every child parented to it", async () => {
        assert.strictEqual(await promiseOf(mailpit.urn), `urn:pulumi:staging::ologywood::${MAILPIT_TYPE}::mailpit`);
        for (const child of [mailpit.deployment, mailpit.service, ...mailpit.networkPolicies]) {
            assert.match(await promiseOf(child.urn), new RegExp(`::${MAILPIT_TYPE}\\$kubernetes:`), "child must have { parent: this }");
        }
        assert.deepStrictEqual(
            objects("mailpit")
                .map((r) => r.type)
                .sort(),
            [
                "kubernetes:apps/v1:Deployment",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:ServiceAccount",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "kubernetes:policy/v1:PodDisruptionBudget",
            ],
        );
    });

    it("every object carries the six recommended labels, with the stack's version like every other object", () => {
        for (const r of objects("mailpit")) {
            const labels = r.inputs.metadata.labels;
            for (const l of RECOMMENDED) assert.ok(labels[l], `${r.type} ${r.name} lacks ${l}`);
            assert.strictEqual(labels["app.kubernetes.io/version"], ctx.version);
            assert.strictEqual(labels["app.kubernetes.io/name"], MAILPIT.name);
            assert.strictEqual(labels["app.kubernetes.io/part-of"], "ologywood");
            assert.strictEqual(r.inputs.metadata.namespace, "ologywood-staging");
        }
    });

    it("runs one restricted, read-only pod with its own ServiceAccount and no token", () => {
        const [deployment] = ofKind("mailpit", "kubernetes:apps/v1:Deployment");
        const spec = deployment.inputs.spec;
        assert.strictEqual(spec.replicas, 1);
        assert.deepStrictEqual(spec.strategy, { type: "Recreate" });
        const pod = spec.template.spec;
        assert.strictEqual(pod.serviceAccountName, MAILPIT.name);
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        const [container] = pod.containers;
        assert.strictEqual(container.image, MAILPIT_IMAGE);
        assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
        assert.strictEqual(container.securityContext.allowPrivilegeEscalation, false);
        assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
        assert.ok(
            container.volumeMounts.some((m: any) => m.mountPath === "/tmp"),
            "the database needs the /tmp emptyDir",
        );
        assert.deepStrictEqual(spec.selector.matchLabels, mailpitPods);
        for (const [k, v] of Object.entries(mailpitPods)) assert.strictEqual(spec.template.metadata.labels[k], v);
        const [sa] = ofKind("mailpit", "kubernetes:core/v1:ServiceAccount");
        assert.strictEqual(sa.inputs.metadata.name, MAILPIT.name);
        assert.strictEqual(sa.inputs.automountServiceAccountToken, false);
    });

    it("its Service offers SMTP and the HTTP API, selecting the Mailpit pod", () => {
        const [service] = ofKind("mailpit", "kubernetes:core/v1:Service");
        assert.strictEqual(service.inputs.metadata.name, MAILPIT.name);
        assert.strictEqual(service.inputs.spec.type, "ClusterIP");
        assert.deepStrictEqual(service.inputs.spec.selector, mailpitPods);
        assert.deepStrictEqual(
            service.inputs.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]),
            [
                ["smtp", 1025, "smtp"],
                ["http", 8025, "http"],
            ],
        );
    });

    it("its NetworkPolicies let the email service's pods, and only them, reach SMTP; the API port is open to nobody", () => {
        const policies = Object.fromEntries(ofKind("mailpit", "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => [p.name, p.inputs.spec]));
        const smtp = [{ protocol: "TCP", port: MAILPIT.smtpPort }];
        assert.deepStrictEqual(policies["mailpit-network"], {
            podSelector: { matchLabels: mailpitPods },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: emailPods } }], ports: smtp }],
            egress: [],
        });
        assert.deepStrictEqual(policies["mailpit-senders"], {
            podSelector: { matchLabels: emailPods },
            policyTypes: ["Egress"],
            egress: [{ to: [{ podSelector: { matchLabels: mailpitPods } }], ports: smtp }],
        });
        assert.doesNotMatch(JSON.stringify(policies), /8025/);
    });

    it("exposes the SMTP host and port for the email service, and the port-forward for the pipeline", async () => {
        assert.strictEqual(await promiseOf(mailpit.smtpHost), "ologywood-mailpit.ologywood-staging.svc");
        assert.strictEqual(mailpit.smtpPort, 1025);
        assert.strictEqual(mailpit.apiPort, 8025);
        assert.strictEqual(await promiseOf(mailpit.portForward), portForwardCommand("ologywood-staging"));
    });

    it("takes the image and message limit from its args", () => {
        const [deployment] = ofKind("custom", "kubernetes:apps/v1:Deployment");
        const [container] = deployment.inputs.spec.template.spec.containers;
        assert.strictEqual(container.image, "registry.local/mailpit:v1.29.0");
        assert.ok(container.env.some((e: any) => e.name === "MP_MAX_MESSAGES" && e.value === "2000"));
    });
});
