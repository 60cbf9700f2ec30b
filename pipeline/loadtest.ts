/**
 * The plan's load test ("Step 4: Performance Testing": 50 users for 60 s; p95 < 2 s, error rate
 * < 0.1 %, success rate > 99.9 %), with autocannon used as a library on a mix of health and
 * booking requests: each simulated user loops over GET /health, POST booking.create and GET
 * booking.getById of the booking it just created.
 *
 * Figures, all over the requests attempted (answered or not):
 *   - p95: from every response's latency; a request that got no answer counts as the timeout;
 *     a run in which nothing answered has no latency figure at all (null), and fails;
 *   - error rate: 5xx answers plus requests without an answer (refused, reset, timed out);
 *   - success rate: answers that are 2xx AND carry what was asked for (a booking id, the booking).
 * Before the load starts, one GET of the health path must get an answer: against a closed port
 * autocannon reconnects as fast as it can (its rate applies to requests, not to connection
 * attempts), which would report thousands of "requests" that never happened.
 * Thresholds come from the monitoring contract, never from here.
 */
import autocannon from "autocannon";
import { headerValue } from "../cli/frame";
import { THRESHOLDS } from "../metrics/contract";
import { CheckResult, formatCheck, Log } from "./checks";
import { describeStatus, httpRequest } from "./http";
import { Redactor } from "../cli/redact";
import { testBooking } from "./smoke";
import { bookingIdOf, trpcData } from "./trpc";

export interface LoadTestOptions {
    baseUrl: string;
    token?: string;
    /** Simulated users (concurrent connections). @default THRESHOLDS.loadTest.connections (50) */
    connections?: number;
    /** @default THRESHOLDS.loadTest.durationSeconds (60) */
    durationSeconds?: number;
    /**
     * Total requests per second across all users; 0 means as fast as the app answers.
     * @default one request per user per second (a k6 user with `sleep(1)`)
     */
    rate?: number;
    /** Per-request timeout. @default 10 */
    timeoutSeconds?: number;
    /** @default "/health" */
    healthPath?: string;
    log?: Log;
    /** The load generator; tests wrap it to see what was asked of it. @default autocannon */
    generator?: typeof autocannon;
}

export type RequestKind = "health" | "create" | "read";

export interface KindFigures {
    requests: number;
    succeeded: number;
    serverErrors: number;
}

export interface LoadTestResult {
    passed: boolean;
    /** Beyond the plan's rollback criteria (error rate > 1 %, p95 > 5 s), not just the load gate's. */
    severe: boolean;
    connections: number;
    durationSeconds: number;
    /** Total request rate asked for; 0 = unthrottled. */
    rate: number;
    /** Requests attempted: answered plus unanswered. */
    requests: number;
    requestsPerSecond: number;
    /** Latency figures over answered requests and timeouts; null when nothing answered. */
    p50Seconds: number | null;
    p95Seconds: number | null;
    p99Seconds: number | null;
    maxSeconds: number | null;
    errorRate: number;
    successRate: number;
    /** Requests without an answer (connection errors and timeouts). */
    noAnswer: number;
    /** Of those, connections refused or reset (not counted in requestsPerSecond: no request was sent). */
    connectionErrors: number;
    statusCounts: Record<string, number>;
    byKind: Record<RequestKind, KindFigures>;
    checks: CheckResult[];
    thresholds: typeof THRESHOLDS.loadTest;
}

export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestResult> {
    // A line break in the token would add headers of its own to every request.
    headerValue(options.token, "the load test's token");
    const redactor = new Redactor([options.token]);
    const log = redactor.wrap(options.log ?? (() => undefined));
    const base = options.baseUrl.replace(/\/+$/, "");
    const connections = options.connections ?? THRESHOLDS.loadTest.connections;
    const durationSeconds = options.durationSeconds ?? THRESHOLDS.loadTest.durationSeconds;
    const rate = options.rate ?? connections;
    const timeoutSeconds = options.timeoutSeconds ?? 10;
    const healthPath = options.healthPath ?? "/health";
    const headers: Record<string, string> = { "Content-Type": "application/json", ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) };
    const byKind: Record<RequestKind, KindFigures> = {
        health: { requests: 0, succeeded: 0, serverErrors: 0 },
        create: { requests: 0, succeeded: 0, serverErrors: 0 },
        read: { requests: 0, succeeded: 0, serverErrors: 0 },
    };
    const count = (kind: RequestKind, status: number, ok: boolean) => {
        byKind[kind].requests++;
        if (status >= 200 && status < 300 && ok) byKind[kind].succeeded++;
        if (status >= 500) byKind[kind].serverErrors++;
    };
    const eventDate = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    const createBody = JSON.stringify(testBooking("load-[<id>]", eventDate));
    const latenciesMs: number[] = [];

    log(
        `load test: ${connections} users for ${durationSeconds} s against ${base}` +
            `${rate > 0 ? `, ${rate} requests/s in total` : ", unthrottled"} (mix: health, booking.create, booking.getById)`,
    );

    const probe = await httpRequest(`${base}${healthPath}`, { headers, timeoutMs: timeoutSeconds * 1000 });
    if (probe.status === 0) {
        log(`  the load did not start: GET ${healthPath} got ${describeStatus(probe)}`);
        return finish(log, {
            connections,
            durationSeconds,
            rate,
            seconds: 0,
            latenciesMs,
            timeouts: probe.error?.startsWith("no answer") ? 1 : 0,
            connectionErrors: probe.error?.startsWith("no answer") ? 0 : 1,
            statusCounts: {},
            byKind,
            timeoutSeconds,
            reason: `nothing answered at ${base}${healthPath}: ${describeStatus(probe)}`,
        });
    }

    let instance!: autocannon.Instance;
    const done = new Promise<autocannon.Result>((resolve, reject) => {
        instance = (options.generator ?? autocannon)(
            {
                url: base,
                connections,
                duration: durationSeconds,
                timeout: timeoutSeconds,
                ...(rate > 0 ? { overallRate: rate } : {}),
                headers,
                idReplacement: true,
                requests: [
                    {
                        method: "GET",
                        path: healthPath,
                        onResponse: (status: number) => count("health", status, true),
                    },
                    {
                        method: "POST",
                        path: "/api/trpc/booking.create",
                        body: createBody,
                        onResponse: (status: number, body: string, context: any) => {
                            const id = bookingIdOf(trpcData(body));
                            context.id = id;
                            count("create", status, id !== undefined);
                        },
                    },
                    {
                        method: "GET",
                        // No booking to read when the create failed: start the loop over.
                        setupRequest: (request: any, context: any) =>
                            context.id === undefined
                                ? null
                                : {
                                      ...request,
                                      path: `/api/trpc/booking.getById?input=${encodeURIComponent(JSON.stringify({ id: context.id }))}`,
                                  },
                        onResponse: (status: number, body: string) => count("read", status, trpcData(body) !== undefined),
                    },
                ] as any,
            },
            (err, result) => (err ? reject(err) : resolve(result)),
        );
    });
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => latenciesMs.push(responseTime));
    const result = await done;

    const statusCounts: Record<string, number> = {};
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = Number((stat as { count: number | string }).count);
    // autocannon's errors are its timeouts plus connection errors (refused, reset).
    return finish(log, {
        connections,
        durationSeconds,
        rate,
        seconds: result.duration,
        latenciesMs,
        timeouts: result.timeouts,
        connectionErrors: Math.max(0, result.errors - result.timeouts),
        statusCounts,
        byKind,
        timeoutSeconds,
    });
}

interface RawFigures {
    connections: number;
    durationSeconds: number;
    rate: number;
    /** Wall time of the load. */
    seconds: number;
    latenciesMs: number[];
    timeouts: number;
    connectionErrors: number;
    statusCounts: Record<string, number>;
    byKind: Record<RequestKind, KindFigures>;
    timeoutSeconds: number;
    /** Why the load did not run, when it did not. */
    reason?: string;
}

/** From what was counted to the gate's figures and verdict; prints the table and the checks. */
function finish(log: Log, raw: RawFigures): LoadTestResult {
    const { latenciesMs, timeouts, connectionErrors, statusCounts, byKind } = raw;
    const noAnswer = timeouts + connectionErrors;
    const answered = latenciesMs.length;
    const requests = answered + noAnswer;
    const serverErrors = Object.entries(statusCounts)
        .filter(([code]) => Number(code) >= 500)
        .reduce((n, [, c]) => n + c, 0);
    const succeeded = byKind.health.succeeded + byKind.create.succeeded + byKind.read.succeeded;
    // A timeout is a request that waited the whole timeout; a refused connection has no latency.
    const all = [...latenciesMs, ...Array(timeouts).fill(raw.timeoutSeconds * 1000)].sort((a, b) => a - b);
    const seconds = (p: number) => (answered === 0 ? null : percentile(all, p) / 1000);
    const t = THRESHOLDS.loadTest;
    const figures = {
        p50Seconds: seconds(0.5),
        p95Seconds: seconds(0.95),
        p99Seconds: seconds(0.99),
        maxSeconds: answered === 0 ? null : all[all.length - 1] / 1000,
        errorRate: requests === 0 ? 1 : (serverErrors + noAnswer) / requests,
        successRate: requests === 0 ? 0 : succeeded / requests,
    };
    const p95 = figures.p95Seconds;
    const checks: CheckResult[] = [
        gateCheck(
            `p95 latency < ${t.p95Seconds} s`,
            p95 !== null && p95 < t.p95Seconds,
            p95 === null ? "no figure: no request was answered" : `${p95.toFixed(3)} s`,
        ),
        gateCheck(
            `error rate < ${pct(t.maxErrorRate)}`,
            figures.errorRate < t.maxErrorRate,
            `${pct(figures.errorRate)} (${serverErrors} 5xx, ${noAnswer} without answer, of ${requests})`,
        ),
        gateCheck(
            `success rate > ${pct(t.minSuccessRate)}`,
            figures.successRate > t.minSuccessRate,
            `${pct(figures.successRate)} (${succeeded} of ${requests})`,
        ),
    ];
    if (raw.reason) checks.push(gateCheck("the load ran", false, raw.reason));
    else if (requests === 0) checks.push(gateCheck("requests were made", false, "no request was attempted"));
    const rb = THRESHOLDS.rollback;
    const loadResult: LoadTestResult = {
        passed: checks.every((c) => c.outcome === "passed"),
        severe: figures.errorRate > rb.errorRate || p95 === null || p95 > rb.responseTimeP95Seconds,
        connections: raw.connections,
        durationSeconds: raw.durationSeconds,
        rate: raw.rate,
        requests,
        requestsPerSecond: (answered + timeouts) / Math.max(raw.seconds, 0.001),
        ...figures,
        noAnswer,
        connectionErrors,
        statusCounts,
        byKind,
        checks,
        thresholds: t,
    };
    formatLoadTable(loadResult).forEach((line) => log(line));
    checks.forEach((c) => log(formatCheck(c)));
    log(`load test ${loadResult.passed ? "passed" : "FAILED"}`);
    return loadResult;
}

/** The printed table: one row per request kind, then the totals. */
export function formatLoadTable(r: LoadTestResult): string[] {
    const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(12))).join("");
    return [
        row(["request", "count", "succeeded", "5xx"]),
        ...(Object.keys(r.byKind) as RequestKind[]).map((k) =>
            row([k, String(r.byKind[k].requests), String(r.byKind[k].succeeded), String(r.byKind[k].serverErrors)]),
        ),
        row(["no answer", String(r.noAnswer), "", ""]),
        row(["total", String(r.requests), `${r.requestsPerSecond.toFixed(1)}/s`, ""]),
        row(["latency", "p50", "p95", "p99"]),
        row(["", ...[r.p50Seconds, r.p95Seconds, r.p99Seconds].map((s) => (s === null ? "none" : `${s.toFixed(3)} s`))]),
    ];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function gateCheck(name: string, ok: boolean, detail: string): CheckResult {
    return { name, outcome: ok ? "passed" : "failed", ms: 0, detail };
}

function pct(x: number): string {
    return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;
}
