import * as assert from "assert";
import { MAILPIT } from "../../components/mailpit/spec";
import { WORKLOADS } from "../../components/shared/names";
import { objectNamed, render } from "../support/render";

const smtpEnv = (r: Awaited<ReturnType<typeof render>>) => {
    const [container] = objectNamed(r, "Deployment", WORKLOADS.email).spec.template.spec.containers;
    return Object.fromEntries(container.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
};
const mailpitObjects = (r: Awaited<ReturnType<typeof render>>) => r.objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === MAILPIT.name);

describe("Mailpit in the rendered stacks (mailpit.enabled)", () => {
    it("staging deploys Mailpit and points the email service's SMTP at it", async () => {
        const r = await render("staging");
        assert.strictEqual(r.config.mailpit.enabled, true, "Pulumi.staging.yaml enables the mail catcher");
        assert.deepStrictEqual(
            mailpitObjects(r)
                .map((o) => o.kind)
                .sort(),
            ["Deployment", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"],
        );
        const env = smtpEnv(r);
        assert.strictEqual(env.SMTP_HOST, `${MAILPIT.name}.${r.config.namespace}.svc`);
        assert.strictEqual(env.SMTP_PORT, String(MAILPIT.smtpPort));
        const resource = r.resources.find((x) => x.type === "ologywood:mailpit:Mailpit");
        assert.ok(resource, "the Mailpit component is registered");
    });

    it("Mailpit comes after the namespace it lives in", async () => {
        const r = await render("staging");
        const first = r.objects.findIndex((o) => mailpitObjects(r).includes(o));
        assert.ok(first > r.objects.findIndex((o) => o.kind === "Namespace"));
    });

    it("prod has no Mailpit and sends through the configured relay", async () => {
        const r = await render("prod");
        assert.deepStrictEqual(mailpitObjects(r), []);
        assert.ok(!r.resources.some((x) => x.type === "ologywood:mailpit:Mailpit"));
        assert.deepStrictEqual([smtpEnv(r).SMTP_HOST, smtpEnv(r).SMTP_PORT], [r.config.smtp.host, String(r.config.smtp.port)]);
    });

    it("switching it off on staging removes it and restores the relay", async () => {
        const r = await render("staging", ["mailpit.enabled=false"]);
        assert.deepStrictEqual(mailpitObjects(r), []);
        assert.strictEqual(smtpEnv(r).SMTP_HOST, r.config.smtp.host);
    });
});
