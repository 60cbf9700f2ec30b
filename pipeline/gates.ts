/**
 * The release's three gates after `pulumi up`, one function each: smoke tests, load test, bake.
 * Each runs as one progress step and returns what the release needs to decide: passed, failed
 * (and whether the failure meets the plan's rollback criteria) or skipped (and why). A skipped
 * gate is never a pass: the release reports it by name.
 */
import type { OlogywoodConfig } from "../config/schema";
import { runBake } from "./bake";
import { Log } from "./checks";
import { Clock, formatDuration } from "./clock";
import { ClusterAccess } from "./cluster";
import { runLoadTest } from "./loadtest";
import { Progress } from "./report";
import { runSmoke, SmokeOptions } from "./smoke";

export type GateName = "smoke tests" | "load test" | "bake";

export interface GateResult {
    gate: GateName;
    outcome: "passed" | "failed" | "skipped";
    /** One line: figures when it passed, the reason when it failed or was skipped. */
    detail: string;
    /** The failure meets the plan's rollback criteria: the rollback puts the maintenance page up first. */
    severe: boolean;
    /** Checks inside the gate that were skipped, with the reason (e.g. the email check). */
    skippedChecks: string[];
}

/** What the gates share for one stack. */
export interface GateContext {
    stack: string;
    config: OlogywoodConfig;
    baseUrl: string;
    /** The stack's `mailCatcherUrl` output (in-cluster), when it runs a mail catcher. */
    mailCatcherUrl?: string;
    token?: string;
    clock: Clock;
    progress: Progress;
    clusterAccess: ClusterAccess;
    /** The plan's load test size and smoke timeouts, overridable for tests and the benchmark. */
    loadTest?: { connections?: number; durationSeconds?: number; timeoutSeconds?: number };
    smoke?: Partial<Pick<SmokeOptions, "requestTimeoutMs" | "attempts" | "retryDelayMs" | "mailPollMs">>;
    /** The gates' implementations; the benchmark wraps them to add modelled durations. */
    implementations?: { smoke?: typeof runSmoke; loadTest?: typeof runLoadTest; bake?: typeof runBake };
}

/**
 * Smoke tests. The email check: through the stack's Mailpit when it runs one (not reaching it
 * fails the check: it is not a pass), else the email queue draining after the smoke booking.
 */
export async function smokeGate(ctx: GateContext): Promise<GateResult> {
    const { stack, config } = ctx;
    const smoke = ctx.implementations?.smoke ?? runSmoke;
    const log: Log = (l) => ctx.progress.line(stack, l);
    const step = await ctx.progress.step(stack, "smoke tests", async () => {
        const mail = !config.mailpit.enabled
            ? undefined
            : ctx.mailCatcherUrl
              ? await reach(ctx, ctx.mailCatcherUrl)
              : { error: "the stack runs Mailpit (mailpit.enabled) but its outputs have no mailCatcherUrl" };
        try {
            const r = await smoke({
                baseUrl: ctx.baseUrl,
                token: ctx.token,
                healthPath: config.app.healthPath,
                clock: ctx.clock,
                log,
                mailTimeoutMs: config.release.mailTimeoutSeconds * 1000,
                ...ctx.smoke,
                ...(mail === undefined
                    ? { emailQueue: { metricsPath: config.app.metricsPath } }
                    : "url" in mail
                      ? { mailUrl: mail.url }
                      : { mailUnreachable: mail.error }),
            });
            const failed = r.checks.filter((c) => c.outcome === "failed");
            const skipped = r.checks.filter((c) => c.outcome === "skipped");
            const passed = r.checks.filter((c) => c.outcome === "passed");
            return {
                outcome: r.passed ? ("passed" as const) : ("failed" as const),
                detail: r.passed
                    ? `${passed.length} passed${skipped.length > 0 ? `, ${skipped.length} skipped` : ""}`
                    : failed.map((c) => `${c.name}: ${c.detail}`).join("; "),
                figures: { checks: r.checks },
                value: { severe: r.severe, skippedChecks: skipped.map((c) => `${c.name} (${c.detail})`) },
            };
        } finally {
            if (mail && "close" in mail) mail.close();
        }
    });
    return { gate: "smoke tests", outcome: step.outcome, detail: step.detail ?? "", severe: step.value.severe, skippedChecks: step.value.skippedChecks };
}

/** The plan's load test, on stacks with release.loadTest; skipped (and said so) elsewhere. */
export async function loadGate(ctx: GateContext): Promise<GateResult> {
    const { stack, config } = ctx;
    if (!config.release.loadTest) {
        return { gate: "load test", outcome: "skipped", detail: "not run on this stack (release.loadTest is false)", severe: false, skippedChecks: [] };
    }
    const loadTest = ctx.implementations?.loadTest ?? runLoadTest;
    const step = await ctx.progress.step(stack, "load test", async () => {
        const r = await loadTest({
            baseUrl: ctx.baseUrl,
            token: ctx.token,
            rate: config.release.loadTestRps,
            healthPath: config.app.healthPath,
            log: (l) => ctx.progress.line(stack, l),
            ...ctx.loadTest,
        });
        const detail = `p95 ${r.p95Seconds === null ? "none (nothing answered)" : `${r.p95Seconds.toFixed(3)} s`}, error rate ${(r.errorRate * 100).toFixed(2)} %, success ${(r.successRate * 100).toFixed(2)} %, ${r.requests} requests`;
        return { outcome: r.passed ? ("passed" as const) : ("failed" as const), detail, figures: { ...r }, value: r.severe };
    });
    return { gate: "load test", outcome: step.outcome, detail: step.detail ?? "", severe: step.value, skippedChecks: [] };
}

/** The metrics watch: Prometheus's recording rules when reachable, else the app's JSON metrics. */
export async function bakeGate(ctx: GateContext): Promise<GateResult> {
    const { stack, config } = ctx;
    const bake = ctx.implementations?.bake ?? runBake;
    const step = await ctx.progress.step(stack, "bake (metrics watch)", async () => {
        const prometheus = await reach(ctx, config.monitoring.prometheusUrl);
        if ("error" in prometheus)
            ctx.progress.line(stack, `Prometheus not reachable (${prometheus.error}): the bake reads the app's ${config.app.metricsPath} instead`);
        try {
            const r = await bake({
                durationSeconds: config.release.bakeSeconds,
                intervalSeconds: config.release.bakeIntervalSeconds,
                failureSamples: config.release.bakeFailureSamples,
                noDataSamples: config.release.bakeNoDataSamples,
                prometheusUrl: "url" in prometheus ? prometheus.url : undefined,
                namespace: config.namespace,
                baseUrl: ctx.baseUrl,
                healthPath: config.app.healthPath,
                metricsPath: config.app.metricsPath,
                clock: ctx.clock,
                log: (l) => ctx.progress.line(stack, l),
            });
            const detail = r.outcome === "passed" ? `healthy for ${formatDuration(r.seconds * 1000)}` : r.reason;
            return { outcome: r.outcome, detail, figures: { samples: r.samples }, value: r.severe };
        } finally {
            if ("close" in prometheus) prometheus.close();
        }
    });
    return { gate: "bake", outcome: step.outcome, detail: step.detail ?? "", severe: step.value, skippedChecks: [] };
}

/** An in-cluster URL made reachable from here (a port-forward if need be), or why it could not be. */
async function reach(ctx: GateContext, url: string | undefined): Promise<{ url: string; close: () => void } | { error: string }> {
    if (!url) return { error: "no URL configured" };
    try {
        const access = await ctx.clusterAccess(url);
        return { url: access.url, close: () => access.close() };
    } catch (e) {
        return { error: (e as Error).message };
    }
}
