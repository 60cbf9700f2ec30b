/** The monitoring keys of the stack config (config/monitoring.ts). */
import assert from "node:assert/strict";
import { parseConfig } from "../../config/load";
import { prepareConfig } from "../../render/render";

const base = () => JSON.parse(JSON.stringify(prepareConfig({ stack: "staging" }).raw));

describe("monitoring: config keys", () => {
    it("requires the PagerDuty routing key while monitoring is enabled, saying how to set it and never echoing it", () => {
        const raw = base();
        delete raw.monitoring.pagerDutyRoutingKey;
        const r = parseConfig(raw);
        assert.equal(r.ok, false);
        const problem = !r.ok && r.problems.find((p) => p.key === "ologywood:monitoring.pagerDutyRoutingKey");
        assert.ok(problem, JSON.stringify(r));
        assert.match(problem.message, /required while monitoring is enabled/);
        assert.match(problem.message, /pulumi config set --secret --path ologywood:monitoring.pagerDutyRoutingKey/);
    });

    it("requires the Slack webhook while monitoring is enabled (every alert goes to Slack)", () => {
        const raw = base();
        delete raw.slack.webhookUrl;
        const r = parseConfig(raw);
        assert.ok(
            !r.ok && r.problems.some((p) => p.key === "ologywood:slack.webhookUrl" && /required while monitoring is enabled/.test(p.message)),
            JSON.stringify(r),
        );
        raw.monitoring = { enabled: false };
        assert.equal(parseConfig(raw).ok, true);
    });

    it("does not ask for it when monitoring is off", () => {
        const raw = base();
        raw.monitoring = { enabled: false };
        assert.equal(parseConfig(raw).ok, true);
    });

    it("pins the exporter images and refuses :latest or a missing tag", () => {
        const ok = parseConfig(base());
        assert.ok(ok.ok);
        assert.match(ok.config.monitoring.jsonExporterImage, /:v\d+\.\d+\.\d+$/);
        assert.match(ok.config.monitoring.postgresExporterImage, /:v\d+\.\d+\.\d+$/);
        for (const bad of ["quay.io/prometheuscommunity/json-exporter:latest", "quay.io/prometheuscommunity/json-exporter"]) {
            const raw = base();
            raw.monitoring.jsonExporterImage = bad;
            const r = parseConfig(raw);
            assert.ok(!r.ok && r.problems.some((p) => p.key === "ologywood:monitoring.jsonExporterImage" && /pinned/.test(p.message)), bad);
        }
    });
});
