import { strict as assert } from "assert";
import autocannon from "autocannon";
import { THRESHOLDS } from "../../metrics/contract";
import { runLoadTest, percentile } from "../../pipeline/loadtest";
import { AppBehaviour, StandInApp } from "../support/standins/app";
import { startServer } from "../support/standins/server";

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
        assert.deepEqual(
            r.checks.map((c) => c.outcome),
            ["passed", "failed", "failed"],
        );
        assert.equal(r.severe, true);
    });

    it("fails the p95 gate on a slow app (2.2 s per booking request), without the rollback criteria being met", async () => {
        const r = await load({ latencyMs: 2200 }, 3);
        assert.equal(r.passed, false, lines.join("\n"));
        assert.ok(
            r.p95Seconds !== null && r.p95Seconds > THRESHOLDS.loadTest.p95Seconds && r.p95Seconds < THRESHOLDS.rollback.responseTimeP95Seconds,
            `p95 ${r.p95Seconds}`,
        );
        assert.equal(r.checks[0].outcome, "failed");
        assert.equal(r.severe, false);
    });

    it("asks autocannon for the requested total rate, and makes no more requests than it allows", async () => {
        // What the code controls: the options it hands the generator, and the count over the run
        // (autocannon's rate is per whole second), never the wall-clock speed of this machine.
        const asked: autocannon.Options[] = [];
        const generator = ((opts: autocannon.Options, cb: any) => (asked.push(opts), autocannon(opts, cb))) as typeof autocannon;
        app.setBehaviour("v", {});
        app.deploy("v");
        const r = await runLoadTest({ baseUrl: app.url, token: TOKEN, connections: 10, durationSeconds: 2, rate: 20, generator, log: (l) => lines.push(l) });
        assert.equal(asked.length, 1);
        assert.equal(asked[0].overallRate, 20);
        assert.equal(asked[0].connections, 10);
        assert.equal(asked[0].duration, 2);
        // Each connection may start with one request and the last second's may still be in flight;
        // unthrottled, the same run makes thousands.
        assert.ok(r.requests <= 20 * (2 + 1) + 10, `${r.requests} requests in a 2 s run at 20/s`);
    });

    it("a server that accepts connections and never answers: no latency figure, and the gate fails", async () => {
        const silent = await startServer(() => new Promise(() => undefined));
        try {
            const r = await runLoadTest({ baseUrl: silent.url, connections: 2, durationSeconds: 2, timeoutSeconds: 1, rate: 0, log: (l) => lines.push(l) });
            assert.equal(r.passed, false);
            assert.ok(r.noAnswer > 0);
            assert.equal(r.errorRate, 1);
            assert.equal(r.p95Seconds, null);
            assert.match(lines.join("\n"), /FAIL {2}p95 latency < 2 s: no figure: no request was answered/);
        } finally {
            await silent.close();
        }
    });

    it("a closed port: the load never starts, one failed attempt is reported, not thousands of requests", async () => {
        const closed = await startServer(() => undefined);
        const url = closed.url;
        await closed.close();
        const asked: unknown[] = [];
        const generator = ((opts: autocannon.Options, cb: any) => (asked.push(opts), autocannon(opts, cb))) as typeof autocannon;
        const r = await runLoadTest({ baseUrl: url, connections: 10, durationSeconds: 2, rate: 0, generator, log: (l) => lines.push(l) });
        assert.equal(r.passed, false);
        assert.equal(asked.length, 0, "autocannon was not started");
        assert.equal(r.requests, 1);
        assert.equal(r.connectionErrors, 1);
        assert.equal(r.p95Seconds, null);
        assert.match(lines.join("\n"), /the load did not start: GET \/health got no answer \(ECONNREFUSED\)/);
    });

    it("refuses a token with a line break before any request (it would inject a header)", async () => {
        const seen: string[] = [];
        const spy = await startServer((req, _body, res) => {
            seen.push(JSON.stringify(req.headers));
            res.end("ok");
        });
        try {
            await assert.rejects(
                runLoadTest({ baseUrl: spy.url, token: "abc\r\nX-Injected: yes", connections: 1, durationSeconds: 1 }),
                /control or non-ASCII character/,
            );
            assert.deepEqual(seen, []);
        } finally {
            await spy.close();
        }
    });

    it("reads superjson answers like plain ones (one decoder with the smoke test)", async () => {
        const r = await load({ superjson: true });
        assert.equal(r.passed, true, lines.join("\n"));
        assert.equal(r.byKind.create.succeeded, r.byKind.create.requests, "every create's id was read through superjson");
        assert.equal(r.byKind.read.succeeded, r.byKind.read.requests);
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
