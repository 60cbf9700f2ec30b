import { strict as assert } from "assert";
import { THRESHOLDS } from "../../metrics/contract";
import { runLoadTest, percentile } from "../../pipeline/loadtest";
import { AppBehaviour, StandInApp } from "../../pipeline/standins/app";
import { startServer } from "../../pipeline/standins/server";

const TOKEN = "load-test-token-77ac21";

describe("load test (autocannon as a library) against a local stand-in of the app", () => {
    let app: StandInApp;
    const lines: string[] = [];

    before(async () => {
        app = await StandInApp.start({ token: TOKEN });
    });
    after(() => app.close());
    beforeEach(() => {
        lines.length = 0;
    });

    function load(behaviour: AppBehaviour, durationSeconds = 1, extra: { rate?: number; timeoutSeconds?: number } = {}) {
        app.setBehaviour("v", behaviour);
        app.deploy("v");
        return runLoadTest({ baseUrl: app.url, token: TOKEN, connections: 10, durationSeconds, rate: 0, log: (l) => lines.push(l), ...extra });
    }

    it("passes on a healthy app, with every request kind exercised and a table printed", async () => {
        const r = await load({});
        assert.equal(r.passed, true, lines.join("\n"));
        assert.ok(r.byKind.health.requests > 0 && r.byKind.create.requests > 0 && r.byKind.read.requests > 0, JSON.stringify(r.byKind));
        assert.equal(r.byKind.read.succeeded, r.byKind.read.requests, "every read found the booking created before it");
        assert.ok(r.successRate > THRESHOLDS.loadTest.minSuccessRate);
        assert.match(lines.join("\n"), /^request +count +succeeded +5xx$/m);
        assert.match(lines.join("\n"), /PASS {2}p95 latency < 2 s/);
    });

    it("fails the error and success rates when 2 % of requests are 5xx, and calls it severe (> 1 %)", async () => {
        const r = await load({ failEvery: 50 });
        assert.equal(r.passed, false);
        assert.ok(r.errorRate > THRESHOLDS.rollback.errorRate, `error rate ${r.errorRate}`);
        assert.deepEqual(r.checks.map((c) => c.outcome), ["passed", "failed", "failed"]);
        assert.equal(r.severe, true);
    });

    it("fails the p95 gate on a slow app (2.2 s per booking request), without the rollback criteria being met", async () => {
        const r = await load({ latencyMs: 2200 }, 3);
        assert.equal(r.passed, false, lines.join("\n"));
        assert.ok(r.p95Seconds > THRESHOLDS.loadTest.p95Seconds && r.p95Seconds < THRESHOLDS.rollback.responseTimeP95Seconds, `p95 ${r.p95Seconds}`);
        assert.equal(r.checks[0].outcome, "failed");
        assert.equal(r.severe, false);
    });

    it("keeps to the requested total rate", async () => {
        const r = await load({}, 2, { rate: 20 });
        assert.ok(r.requestsPerSecond <= 25, `${r.requestsPerSecond} requests/s`);
    });

    it("counts requests without an answer as errors at the timeout's latency", async () => {
        // A server that accepts connections and never answers.
        const silent = await startServer(() => new Promise(() => undefined));
        try {
            const r = await runLoadTest({ baseUrl: silent.url, connections: 2, durationSeconds: 2, timeoutSeconds: 1, rate: 0, log: (l) => lines.push(l) });
            assert.equal(r.passed, false);
            assert.ok(r.noAnswer > 0);
            assert.equal(r.errorRate, 1);
            assert.ok(r.p95Seconds >= 1);
        } finally {
            await silent.close();
        }
    });

    it("never prints the token", async () => {
        await load({ createStatus: 500, echoAuthorization: true });
        assert.ok(!lines.join("\n").includes(TOKEN));
    });

    it("computes nearest-rank percentiles", () => {
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10);
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
        assert.equal(percentile([], 0.95), 0);
    });
});
