/**
 * The plan's load test ("Step 4: Performance Testing": 50 users for 60 s; p95 < 2 s, error rate
 * < 0.1 %, success rate > 99.9 %), with autocannon used as a library on a mix of health and
 * booking requests: each simulated user loops over GET /health, POST booking.create and GET
 * booking.getById of the booking it just created.
 *
 * Figures, all over the requests attempted (answered or not):
 *   - p95: from every response's latency; a request that got no answer counts as the timeout;
 *   - error rate: 5xx answers plus requests without an answer (refused, reset, timed out);
 *   - success rate: answers that are 2xx AND carry what was asked for (a booking id, the booking).
 * Thresholds come from the monitoring contract, never from here.
 */
import autocannon from "autocannon";
import { THRESHOLDS } from "../metrics/contract";
import { CheckResult, formatCheck, Log } from "./checks";
import { parseJson } from "./http";
import { Redactor } from "./redact";
import { testBooking } from "./smoke";

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
    p50Seconds: number;
    p95Seconds: number;
    p99Seconds: number;
    maxSeconds: number;
    errorRate: number;
    successRate: number;
    /** Requests without an answer (connection errors and timeouts). */
    noAnswer: number;
    statusCounts: Record<string, number>;
    byKind: Record<RequestKind, KindFigures>;
    checks: CheckResult[];
    thresholds: typeof THRESHOLDS.loadTest;
}

export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestResult> {
    const redactor = new Redactor([options.token]);
    const log = redactor.wrap(options.log ?? (() => undefined));
    const base = options.baseUrl.replace(/\/+$/, "");
    const connections = options.connections ?? THRESHOLDS.loadTest.connections;
    const durationSeconds = options.durationSeconds ?? THRESHOLDS.loadTest.durationSeconds;
    const rate = options.rate ?? connections;
    const timeoutSeconds = options.timeoutSeconds ?? 10;
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

    log(`load test: ${connections} users for ${durationSeconds} s against ${base}` +
        `${rate > 0 ? `, ${rate} requests/s in total` : ", unthrottled"} (mix: health, booking.create, booking.getById)`);

    let instance!: autocannon.Instance;
    const done = new Promise<autocannon.Result>((resolve, reject) => {
        instance = autocannon({
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
                    path: options.healthPath ?? "/health",
                    onResponse: (status: number) => count("health", status, true),
                },
                {
                    method: "POST",
                    path: "/api/trpc/booking.create",
                    body: createBody,
                    onResponse: (status: number, body: string, context: any) => {
                        const id = (parseJson(body) as any)?.result?.data?.id;
                        context.id = id;
                        count("create", status, id !== undefined);
                    },
                },
                {
                    method: "GET",
                    // No booking to read when the create failed: start the loop over.
                    setupRequest: (request: any, context: any) => (context.id === undefined ? null : {
                        ...request,
                        path: `/api/trpc/booking.getById?input=${encodeURIComponent(JSON.stringify({ id: context.id }))}`,
                    }),
                    onResponse: (status: number, body: string) => count("read", status, (parseJson(body) as any)?.result?.data !== undefined),
                },
            ] as any,
        }, (err, result) => (err ? reject(err) : resolve(result)));
    });
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => latenciesMs.push(responseTime));
    const result = await done;

    // autocannon counts timeouts among its errors; each stands for a request with no answer.
    const noAnswer = result.errors;
    const statusCounts: Record<string, number> = {};
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = Number((stat as { count: number | string }).count);
    const answered = latenciesMs.length;
    const requests = answered + noAnswer;
    const serverErrors = Object.entries(statusCounts).filter(([code]) => Number(code) >= 500).reduce((n, [, c]) => n + c, 0);
    const succeeded = byKind.health.succeeded + byKind.create.succeeded + byKind.read.succeeded;
    const all = [...latenciesMs, ...Array(noAnswer).fill(timeoutSeconds * 1000)].sort((a, b) => a - b);
    const t = THRESHOLDS.loadTest;
    const figures = {
        p50Seconds: percentile(all, 0.5) / 1000,
        p95Seconds: percentile(all, 0.95) / 1000,
        p99Seconds: percentile(all, 0.99) / 1000,
        maxSeconds: (all[all.length - 1] ?? 0) / 1000,
        errorRate: requests === 0 ? 1 : (serverErrors + noAnswer) / requests,
        successRate: requests === 0 ? 0 : succeeded / requests,
    };
    const checks: CheckResult[] = [
        gateCheck(`p95 latency < ${t.p95Seconds} s`, figures.p95Seconds < t.p95Seconds, `${figures.p95Seconds.toFixed(3)} s`),
        gateCheck(`error rate < ${pct(t.maxErrorRate)}`, figures.errorRate < t.maxErrorRate, `${pct(figures.errorRate)} (${serverErrors} 5xx, ${noAnswer} without answer, of ${requests})`),
        gateCheck(`success rate > ${pct(t.minSuccessRate)}`, figures.successRate > t.minSuccessRate, `${pct(figures.successRate)} (${succeeded} of ${requests})`),
    ];
    if (requests === 0) checks.push(gateCheck("requests were made", false, "no request was attempted"));
    const rb = THRESHOLDS.rollback;
    const loadResult: LoadTestResult = {
        passed: checks.every((c) => c.outcome === "passed"),
        severe: figures.errorRate > rb.errorRate || figures.p95Seconds > rb.responseTimeP95Seconds,
        connections,
        durationSeconds,
        rate,
        requests,
        requestsPerSecond: requests / Math.max(result.duration, 0.001),
        ...figures,
        noAnswer,
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
        ...(Object.keys(r.byKind) as RequestKind[]).map((k) => row([k, String(r.byKind[k].requests), String(r.byKind[k].succeeded), String(r.byKind[k].serverErrors)])),
        row(["no answer", String(r.noAnswer), "", ""]),
        row(["total", String(r.requests), `${r.requestsPerSecond.toFixed(1)}/s`, ""]),
        row(["latency", "p50", "p95", "p99"]),
        row(["", `${r.p50Seconds.toFixed(3)} s`, `${r.p95Seconds.toFixed(3)} s`, `${r.p99Seconds.toFixed(3)} s`]),
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
