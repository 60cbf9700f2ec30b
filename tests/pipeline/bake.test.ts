import { strict as assert } from "assert";
import { RECORDING_RULES } from "../../metrics/contract";
import { BakeOptions, runBake } from "../../pipeline/bake";
import { VirtualClock } from "../support/virtual-clock";
import { queryPrometheus } from "../../pipeline/metrics";
import { StandInApp } from "../support/standins/app";
import { SeriesValue, StandInPrometheus } from "../support/standins/prometheus";

const NS = "ologywood-staging";
const ERROR = RECORDING_RULES.errorRatio("5m");
const P95 = RECORDING_RULES.latencyP95;

describe("bake gate: consecutive bad samples, no data never a pass", () => {
    let app: StandInApp;
    let prometheus: StandInPrometheus;
    let clock: VirtualClock;
    let started: number;
    /** Series values as a function of seconds since the bake started. */
    let series: (metric: string, at: number) => SeriesValue | undefined;
    const lines: string[] = [];

    before(async () => {
        app = await StandInApp.start({ token: "unused-token" });
        prometheus = await StandInPrometheus.start((metric, labels) => (labels.namespace === NS ? series(metric, (clock.now() - started) / 1000) : "empty"));
    });
    after(async () => {
        await app.close();
        await prometheus.close();
    });
    beforeEach(() => {
        lines.length = 0;
        clock = new VirtualClock();
        started = clock.now();
        app.setBehaviour("v", {});
        app.deploy("v");
        series = (metric) => (metric === ERROR ? 0.0005 : metric === P95 ? 0.4 : "empty");
    });

    const bake = (extra: Partial<BakeOptions> = {}) =>
        runBake({
            durationSeconds: 300,
            intervalSeconds: 60,
            failureSamples: 3,
            noDataSamples: 5,
            prometheusUrl: prometheus.url,
            namespace: NS,
            baseUrl: app.url,
            clock,
            log: (l) => lines.push(l),
            ...extra,
        });

    it("passes a healthy stack after the bake time, one sample per interval, read from the recording rules", async () => {
        const r = await bake();
        assert.equal(r.outcome, "passed", lines.join("\n"));
        assert.equal(r.samples.length, 6, "samples at 0, 60, ..., 300 s");
        assert.equal(r.seconds, 300);
        assert.ok(prometheus.queries.includes(`${ERROR}{namespace="${NS}"}`));
        assert.ok(r.samples.every((s) => s.sources.errorRate === "prometheus"));
    });

    it("watches the whole bake time when each sample takes time (a real clock drifts past each interval)", async () => {
        // Each sleep ends 100 ms late and each reading takes 200 ms, as on a real machine: the
        // rehearsal's staging bake of 60 s stopped after 30 s when the end was reckoned ahead.
        const drifting = { now: () => clock.now(), sleep: async (ms: number) => clock.sleep(ms + 100) };
        const slowSeries = series;
        series = (metric, at) => {
            clock.advance(100);
            return slowSeries(metric, at);
        };
        const r = await bake({ durationSeconds: 60, intervalSeconds: 30, clock: drifting });
        assert.equal(r.outcome, "passed", lines.join("\n"));
        assert.ok(r.seconds >= 60, `watched ${r.seconds} s of a 60 s bake`);
        assert.equal(r.samples.length, 3, "samples at about 0, 30 and 60 s");
    });

    it("does not fail on one bad sample (noise)", async () => {
        series = (metric, at) => (metric === ERROR ? (at === 120 ? 0.2 : 0.0005) : metric === P95 ? 0.4 : "empty");
        const r = await bake();
        assert.equal(r.outcome, "passed", lines.join("\n"));
        assert.equal(r.samples.filter((s) => s.verdict === "bad").length, 1);
    });

    const faults: { name: string; series: (metric: string, at: number) => SeriesValue | undefined; decidedAt: number; severe: boolean; reason: RegExp }[] = [
        {
            name: "an error rate above 1 % that lasts",
            series: (m) => (m === ERROR ? 0.05 : m === P95 ? 0.4 : "empty"),
            decidedAt: 120,
            severe: true,
            reason: /3 consecutive samples .*error rate 5\.00 %/,
        },
        {
            name: "a p95 beyond the last histogram bucket (+Inf)",
            series: (m) => (m === ERROR ? 0 : m === P95 ? Infinity : "empty"),
            decidedAt: 120,
            severe: true,
            reason: /p95 \+Inf > 5 s/,
        },
        {
            name: "a regression starting mid-bake",
            series: (m, at) => (m === ERROR ? (at >= 180 ? 0.03 : 0) : m === P95 ? 0.4 : "empty"),
            decidedAt: 300,
            severe: true,
            reason: /error rate 3\.00 %/,
        },
    ];
    for (const f of faults) {
        it(`fails on ${f.name}, after three consecutive bad samples`, async () => {
            series = f.series;
            const r = await bake();
            assert.equal(r.outcome, "failed", lines.join("\n"));
            assert.equal(r.severe, f.severe);
            assert.equal(r.seconds, f.decidedAt);
            assert.match(r.reason, f.reason);
        });
    }

    it("fails when /health stops answering 200, even with good metrics", async () => {
        app.setBehaviour("v", { healthStatus: 503 });
        const r = await bake();
        assert.equal(r.outcome, "failed");
        assert.equal(r.severe, true);
        assert.match(r.reason, /\/health HTTP 503/);
    });

    it("falls back to the app's JSON /metrics when Prometheus answers NaN (no traffic)", async () => {
        series = () => "NaN";
        const r = await bake();
        assert.equal(r.outcome, "passed", lines.join("\n"));
        assert.ok(r.samples.every((s) => s.sources.errorRate === "app-json" && s.sources.p95Seconds === "app-json"));
    });

    it("falls back to the app's JSON when Prometheus is unreachable", async () => {
        const r = await bake({ prometheusUrl: "http://127.0.0.1:9" });
        assert.equal(r.outcome, "passed", lines.join("\n"));
    });

    it("treats empty results plus a broken /metrics as no data, and fails when it lasts (not severe)", async () => {
        series = () => "empty";
        app.setBehaviour("v", { metrics: null });
        const r = await bake();
        assert.equal(r.outcome, "failed", lines.join("\n"));
        assert.equal(r.severe, false);
        assert.equal(r.samples.length, 5);
        assert.ok(r.samples.every((s) => s.verdict === "no-data"));
        assert.match(r.reason, /5 consecutive samples without data/);
    });

    it("treats a Prometheus error answer as no data, never as zero", async () => {
        series = () => "error";
        app.setBehaviour("v", { metrics: null });
        const r = await bake({ noDataSamples: 2 });
        assert.equal(r.outcome, "failed");
        assert.match(r.samples[0].reasons.join(" "), /Prometheus answered HTTP 400: query processing failed/);
    });

    it("does not pass while the last sample is bad: it samples on until the streak resolves", async () => {
        series = (m, at) => (m === ERROR ? (at >= 300 && at < 360 ? 0.05 : 0) : m === P95 ? 0.4 : "empty");
        const r = await bake();
        assert.equal(r.outcome, "passed", lines.join("\n"));
        assert.equal(r.seconds, 360, "one extra sample after the bad one at 300 s");
        assert.match(lines.join("\n"), /sampling on until it resolves/);
    });

    it("fails when bad and missing readings alternate past the bake time", async () => {
        series = (m, at) => (Math.round(at / 60) % 2 === 0 ? (m === ERROR ? 0.05 : 0.4) : "empty");
        app.setBehaviour("v", { metrics: null });
        const r = await bake({ durationSeconds: 120 });
        assert.equal(r.outcome, "failed", lines.join("\n"));
        assert.match(r.reason, /no clear verdict/);
    });

    it("warns, without failing, when a reading leaves the plan's acceptable range", async () => {
        series = (m) => (m === ERROR ? 0.005 : m === P95 ? 0.4 : "empty");
        const r = await bake();
        assert.equal(r.outcome, "passed");
        assert.match(lines.join("\n"), /warning: error rate 0\.50 % above the acceptable 0\.10 %/);
    });

    it("is skipped when release.bakeSeconds is 0", async () => {
        const r = await bake({ durationSeconds: 0 });
        assert.equal(r.outcome, "skipped");
    });

    it("reads the worst of several series", async () => {
        series = (m) => (m === ERROR ? [0.001, 0.04] : "empty");
        const reading = await queryPrometheus(prometheus.url, `${ERROR}{namespace="${NS}"}`);
        assert.deepEqual(reading, { ok: true, value: 0.04, source: "prometheus" });
    });
});
