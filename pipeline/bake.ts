/**
 * The bake gate: after the smoke tests pass, watch the stack's metrics for release.bakeSeconds
 * and fail on the plan's rollback criteria (error rate > 1 %, p95 > 5 s, the service not
 * healthy). What it takes from Argo Rollouts' AnalysisRuns and Flagger's canary analysis
 * (docs/release.md cites both):
 *   - a verdict needs several consecutive bad samples (release.bakeFailureSamples), not one:
 *     one bad scrape is noise, a streak is a regression (Argo's failureLimit / Flagger's threshold);
 *   - samples are release.bakeIntervalSeconds apart, at least the scrape interval, so two samples
 *     never read the same scrape;
 *   - no data (empty result, NaN, source unreachable) is inconclusive, never a pass (Argo: NaN and
 *     empty results do not meet a successCondition; Flagger: "no values found" halts the
 *     analysis); release.bakeNoDataSamples inconclusive samples in a row fail the gate;
 *   - the gate does not end on a bad or missing reading: when the time is up during a streak, it
 *     keeps sampling until the streak resolves either way.
 * Crossing the plan's "acceptable ranges" (error rate > 0.1 %, p95 > 2 s, database connections
 * > 90 %, email queue > 100) is printed as a warning: worth a look, not a rollback.
 */
import { THRESHOLDS } from "../metrics/contract";
import { Log } from "./checks";
import { Clock, formatDuration, formatOffset, systemClock } from "./clock";
import { describeStatus, httpRequest } from "./http";
import { MetricName, prometheusQueries, queryPrometheus, Reading, readAppMetrics } from "./metrics";

export interface BakeOptions {
    /** release.bakeSeconds; 0 skips the gate. */
    durationSeconds: number;
    /** release.bakeIntervalSeconds */
    intervalSeconds: number;
    /** release.bakeFailureSamples */
    failureSamples: number;
    /** release.bakeNoDataSamples */
    noDataSamples: number;
    /** monitoring.prometheusUrl; without it only the app's JSON is read. */
    prometheusUrl?: string;
    /** The stack's namespace: the recording rules' `namespace` label. */
    namespace: string;
    /** Public base URL of the app, for /health and the JSON /metrics. */
    baseUrl: string;
    healthPath?: string;
    metricsPath?: string;
    requestTimeoutMs?: number;
    clock?: Clock;
    log?: Log;
}

export type SampleVerdict = "good" | "bad" | "no-data";

export interface BakeSample {
    /** Seconds since the bake started. */
    atSeconds: number;
    verdict: SampleVerdict;
    values: Partial<Record<MetricName, number>>;
    sources: Partial<Record<MetricName, string>>;
    healthStatus: number;
    /** Why the sample is bad or inconclusive. */
    reasons: string[];
    warnings: string[];
}

export interface BakeResult {
    outcome: "passed" | "failed" | "skipped";
    /** Failed on the rollback criteria (not merely on missing data). */
    severe: boolean;
    reason: string;
    samples: BakeSample[];
    seconds: number;
}

/** The metrics a verdict needs; the others only warn. */
const VERDICT_METRICS: MetricName[] = ["errorRate", "p95Seconds"];

export async function runBake(options: BakeOptions): Promise<BakeResult> {
    const clock = options.clock ?? systemClock;
    const log = options.log ?? (() => undefined);
    const started = clock.now();
    if (options.durationSeconds <= 0) {
        return { outcome: "skipped", severe: false, reason: "release.bakeSeconds is 0", samples: [], seconds: 0 };
    }
    const rb = THRESHOLDS.rollback;
    log(
        `bake: watching for ${formatDuration(options.durationSeconds * 1000)}, a sample every ${options.intervalSeconds} s; ` +
            `fails after ${options.failureSamples} consecutive samples with error rate > ${rb.errorRate * 100} %, p95 > ${rb.responseTimeP95Seconds} s ` +
            `or /health not 200, or ${options.noDataSamples} in a row without data ` +
            `(source: ${options.prometheusUrl ? `Prometheus ${options.prometheusUrl}, then the app's JSON` : "the app's JSON /metrics"})`,
    );
    const samples: BakeSample[] = [];
    let badStreak = 0;
    let noDataStreak = 0;
    let extension = 0;
    const maxExtension = options.failureSamples + options.noDataSamples;
    const end = started + options.durationSeconds * 1000;
    const finish = (outcome: BakeResult["outcome"], severe: boolean, reason: string): BakeResult => {
        const result = { outcome, severe, reason, samples, seconds: (clock.now() - started) / 1000 };
        log(`bake ${outcome === "passed" ? "passed" : "FAILED"} after ${formatDuration(clock.now() - started)}: ${reason}`);
        return result;
    };
    for (;;) {
        const sample = await takeSample(options, (clock.now() - started) / 1000);
        samples.push(sample);
        badStreak = sample.verdict === "bad" ? badStreak + 1 : 0;
        noDataStreak = sample.verdict === "no-data" ? noDataStreak + 1 : 0;
        log(formatSample(sample, badStreak, noDataStreak, options));
        if (badStreak >= options.failureSamples) {
            return finish("failed", true, `${badStreak} consecutive samples beyond the rollback criteria (${sample.reasons.join("; ")})`);
        }
        if (noDataStreak >= options.noDataSamples) {
            return finish("failed", false, `${noDataStreak} consecutive samples without data (${sample.reasons.join("; ")}): missing data is not a pass`);
        }
        // Time is up once the watch has covered the whole bake time. (Reckoning whether the next
        // sample would land past the end cut a real bake short by an interval: timers drift.)
        const timeUp = clock.now() >= end;
        if (timeUp && sample.verdict === "good") {
            const good = samples.filter((s) => s.verdict === "good").length;
            return finish("passed", false, `${good} of ${samples.length} samples good, the last one included`);
        }
        if (timeUp) {
            // Never end on a bad or missing reading: sample on until the streak resolves.
            if (++extension > maxExtension) {
                return finish("failed", false, `still no clear verdict ${extension - 1} samples after the bake time (bad and missing readings alternate)`);
            }
            log(`  bake time is up, but the last sample is ${sample.verdict}: sampling on until it resolves`);
        }
        await clock.sleep(options.intervalSeconds * 1000);
    }
}

async function takeSample(options: BakeOptions, atSeconds: number): Promise<BakeSample> {
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    const base = options.baseUrl.replace(/\/+$/, "");
    const readings: Partial<Record<MetricName, Reading>> = {};
    if (options.prometheusUrl) {
        const queries = prometheusQueries(options.namespace);
        await Promise.all(
            (Object.entries(queries) as [MetricName, string][]).map(async ([metric, query]) => {
                readings[metric] = await queryPrometheus(options.prometheusUrl!, query, timeoutMs);
            }),
        );
    }
    const missing = (["errorRate", "p95Seconds", "emailQueueSize"] as MetricName[]).filter((m) => !readings[m]?.ok);
    if (missing.length > 0) {
        const json = await readAppMetrics(`${base}${options.metricsPath ?? "/metrics"}`, timeoutMs);
        for (const m of missing) {
            const fallback = json[m];
            const primary = readings[m];
            if (!fallback) continue;
            readings[m] =
                fallback.ok || !primary || primary.ok ? fallback : { ok: false, reason: `Prometheus: ${primary.reason}; app JSON: ${fallback.reason}` };
        }
    }
    const health = await httpRequest(`${base}${options.healthPath ?? "/health"}`, { timeoutMs });

    const values: Partial<Record<MetricName, number>> = {};
    const sources: Partial<Record<MetricName, string>> = {};
    for (const [m, r] of Object.entries(readings) as [MetricName, Reading][]) {
        if (r.ok) {
            values[m] = r.value;
            sources[m] = r.source;
        }
    }
    const rb = THRESHOLDS.rollback;
    const ok = THRESHOLDS.acceptable;
    const bad: string[] = [];
    if (health.status !== 200) bad.push(`/health ${describeStatus(health)}`);
    if (values.errorRate !== undefined && values.errorRate > rb.errorRate) bad.push(`error rate ${pct(values.errorRate)} > ${pct(rb.errorRate)}`);
    if (values.p95Seconds !== undefined && values.p95Seconds > rb.responseTimeP95Seconds)
        bad.push(`p95 ${secs(values.p95Seconds)} > ${rb.responseTimeP95Seconds} s`);
    const noData = VERDICT_METRICS.filter((m) => values[m] === undefined).map(
        (m) => `${m}: ${(readings[m] as { reason?: string } | undefined)?.reason ?? "not measured"}`,
    );
    const warnings: string[] = [];
    if (values.errorRate !== undefined && values.errorRate > ok.errorRate && values.errorRate <= rb.errorRate)
        warnings.push(`error rate ${pct(values.errorRate)} above the acceptable ${pct(ok.errorRate)}`);
    if (values.p95Seconds !== undefined && values.p95Seconds > ok.responseTimeP95Seconds && values.p95Seconds <= rb.responseTimeP95Seconds)
        warnings.push(`p95 ${secs(values.p95Seconds)} above the acceptable ${ok.responseTimeP95Seconds} s`);
    if (values.dbConnectionRatio !== undefined && values.dbConnectionRatio > ok.dbConnectionRatio)
        warnings.push(`database connections at ${pct(values.dbConnectionRatio)} of max`);
    if (values.emailQueueSize !== undefined && values.emailQueueSize > ok.emailQueueSize)
        warnings.push(`email queue ${values.emailQueueSize} > ${ok.emailQueueSize}`);
    // A bad reading decides even when another metric is missing; missing data alone is inconclusive.
    const verdict: SampleVerdict = bad.length > 0 ? "bad" : noData.length > 0 ? "no-data" : "good";
    return { atSeconds, verdict, values, sources, healthStatus: health.status, reasons: bad.length > 0 ? bad : noData, warnings };
}

function formatSample(s: BakeSample, badStreak: number, noDataStreak: number, o: BakeOptions): string {
    const v = s.values;
    const figures = [
        `error rate ${v.errorRate === undefined ? "n/a" : pct(v.errorRate)}${s.sources.errorRate ? ` [${s.sources.errorRate}]` : ""}`,
        `p95 ${v.p95Seconds === undefined ? "n/a" : secs(v.p95Seconds)}${s.sources.p95Seconds ? ` [${s.sources.p95Seconds}]` : ""}`,
        `/health ${s.healthStatus || "no answer"}`,
    ].join(", ");
    const streak =
        s.verdict === "bad"
            ? ` (${badStreak}/${o.failureSamples}: ${s.reasons.join("; ")})`
            : s.verdict === "no-data"
              ? ` (${noDataStreak}/${o.noDataSamples}: ${s.reasons.join("; ")})`
              : "";
    const warn = s.warnings.length > 0 ? `; warning: ${s.warnings.join("; ")}` : "";
    return `  ${formatOffset(s.atSeconds * 1000).padStart(6)}  ${s.verdict.toUpperCase().padEnd(7)} ${figures}${streak}${warn}`;
}

function pct(x: number): string {
    return `${(x * 100).toFixed(2)} %`;
}

function secs(x: number): string {
    return Number.isFinite(x) ? `${x.toFixed(2)} s` : "+Inf";
}
