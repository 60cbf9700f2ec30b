/**
 * The render never succeeds with a smaller stack: an error raised while the program runs (inside
 * an apply, in a promise) fails it, as it would fail `pulumi up`, and nothing is written.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ProgramError, runUnderMocks } from "../../render/mock-run";
import { SecretLeakError, assertNoSecretLeaks, prepareConfig, renderInProcess, secretToken, withSecretTokens } from "../../render/render";

/** A plain custom resource: CustomResource itself is abstract. */
class Thing extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs) {
        super(type, name, props);
    }
}

describe("render: errors raised while the program runs fail it", function () {
    this.timeout(60_000);

    it("an error thrown inside an apply rejects the run, naming the error; resources registered around it do not hide it", async () => {
        await assert.rejects(
            runUnderMocks("stack", {}, () => {
                const failing = pulumi.output("99 * * * *").apply((schedule) => {
                    throw new Error(`backup.schedule: invalid minute field in ${schedule}`);
                });
                new Thing("test:index:Rule", "rule", { spec: failing });
                new Thing("test:index:Other", "other", {});
            }),
            (e: Error) =>
                e instanceof ProgramError &&
                /the program failed while running \(1 error\)/.test(e.message) &&
                /backup\.schedule: invalid minute field in 99 \* \* \* \*/.test(e.message),
        );
    });

    it("a rejected promise that no resource waits for fails the run too", async () => {
        await assert.rejects(
            runUnderMocks("stack", {}, () => {
                void Promise.reject(new Error("lost promise"));
                new Thing("test:index:Other", "other", {});
            }),
            /lost promise/,
        );
    });

    it("a program without errors still registers everything", async () => {
        const registered = await runUnderMocks("stack", {}, () => {
            new Thing("test:index:One", "one", { v: pulumi.output(1).apply((v) => v + 1) });
            new Thing("test:index:Two", "two", {});
        });
        assert.deepStrictEqual(registered.map((r) => r.name).sort(), ["one", "two"]);
    });
});

describe("render: secrets never enter the program run", function () {
    this.timeout(120_000);

    it("a secret whose value is a common word (smtp.password = the SMTP user) renders: the program only ever sees a stand-in", async () => {
        // This used to fail with a stack trace calling it a bug: 'bookings' is also smtp.user and part of the sender address.
        const result = await renderInProcess({ stack: "staging", sets: ["smtp.password=bookings"] });
        assert.ok(result.objects.length > 20);
    });

    it("the stand-ins are unique per key and stable between renders, and the real values are gone from what the program gets", () => {
        const { raw, tokens } = withSecretTokens({ ...prepareConfig({ stack: "staging", sets: ["smtp.password=Real-Smtp-S3cret"] }).raw });
        assert.ok(!JSON.stringify(raw).includes("Real-Smtp-S3cret"));
        assert.strictEqual(tokens["smtp.password"], secretToken("smtp.password"));
        assert.strictEqual(new Set(Object.values(tokens)).size, Object.keys(tokens).length);
    });

    it("a stand-in found in the output, plain or base64, names the key that leaked", () => {
        const tokens = { "smtp.password": secretToken("smtp.password"), "db.adminPassword": secretToken("db.adminPassword") };
        assert.doesNotThrow(() => assertNoSecretLeaks("nothing here", tokens));
        assert.throws(
            () => assertNoSecretLeaks(`data: ${Buffer.from(tokens["db.adminPassword"]).toString("base64")}`, tokens),
            (e: Error) => e instanceof SecretLeakError && /ologywood:db\.adminPassword into it unredacted/.test(e.message) && !/smtp/.test(e.message),
        );
    });
});
