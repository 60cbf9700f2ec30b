/**
 * The release: one command from an image tag to every stack, in order (staging, then prod):
 *
 *   validate config (every stack, before anything changes) -> for each stack: set the image tag ->
 *   preview with a change summary -> Slack "started" -> `pulumi up` (the pre-deploy backup Job
 *   gates the rollout; the post-deploy check fails the update on a dead /health) -> smoke tests
 *   -> load test (stacks with release.loadTest) -> bake (release.bakeSeconds) -> Slack "done".
 *
 * A failure before `up` changes nothing (the image tag is set back). A failure from `up` on
 * rolls the stack back to its last good update (pipeline/rollback.ts). Either way the next
 * stacks are never touched. Exit code 0 only when every stack passed every gate.
 */
import { MAILPIT } from "../components/mailpit/spec";
import { THRESHOLDS } from "../metrics/contract";
import { ConfigError } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import { runBake } from "./bake";
import { Log } from "./checks";
import { Clock, formatDuration } from "./clock";
import { ClusterAccess, ClusterUrl } from "./cluster";
import { ConfigMap } from "./drivers/driver";
import { COMMIT_ENV, releaseMessage } from "./history";
import { runLoadTest } from "./loadtest";
import * as messages from "./messages";
import { Redactor } from "./redact";
import { Progress, StepRecord } from "./report";
import { rollbackStack, RollbackDeps, RollbackResult } from "./rollback";
import { Delivery, Notification, Notifier } from "./slack";
import { checkHealth, runSmoke, SmokeOptions } from "./smoke";
import { configKey, parseStackConfig } from "./stack-config";

export const RELEASE_EXIT = {
    /** Every stack released and passed every gate. */
    ok: 0,
    /** A stack failed a gate: it was rolled back, or stopped before any change. Later stacks untouched. */
    failed: 1,
    /** Refused before touching anything: bad arguments, invalid config, uncommitted program changes, no token. */
    refused: 2,
    /** A stack failed and its rollback failed or was impossible: a person must act now. */
    rollbackFailed: 3,
} as const;

export interface ReleaseOptions {
    imageTag: string;
    /** In order; a stack starts only when the previous one passed. */
    stacks: string[];
    /** The smoke and load tests' bearer token (TEST_TOKEN). */
    token?: string;
    /** Release even with uncommitted program changes (the updates cannot be rolled back to). */
    allowDirty?: boolean;
    /** The plan's load test size, overridable for tests and the benchmark. */
    loadTest?: { connections?: number; durationSeconds?: number; timeoutSeconds?: number };
    /** Smoke test timeouts, overridable for tests. */
    smoke?: Partial<Pick<SmokeOptions, "requestTimeoutMs" | "attempts" | "retryDelayMs" | "mailPollMs">>;
}

export interface ReleaseDeps extends Omit<RollbackDeps, "progress" | "notifier"> {
    clock: Clock;
    log: Log;
    /** The Slack (or printing) notifier of a stack's config, logging through `log`. */
    notifierFor: (config: OlogywoodConfig, log: Log) => Notifier;
    /** Reaches in-cluster URLs (Prometheus, Mailpit) from here. */
    clusterAccess: ClusterAccess;
    /** The gates; the benchmark wraps them to add modelled durations. */
    gates?: { smoke?: typeof runSmoke; loadTest?: typeof runLoadTest; bake?: typeof runBake };
    /** Learns the run's secrets (token, webhook URLs) and redacts every printed line; the CLI redacts the report with it. */
    redactor?: Redactor;
}

/** `error`: something unexpected (a Pulumi CLI call failed, say) after a stack was touched: its state is unknown. */
export type ReleaseOutcome = "succeeded" | "refused" | "stopped" | "rolled-back" | "rollback-failed" | "error";

export interface ReleaseReport {
    imageTag: string;
    commit?: string;
    stacks: string[];
    outcome: ReleaseOutcome;
    exitCode: number;
    startedAt: string;
    endedAt: string;
    seconds: number;
    /** Stacks that passed every gate with the new version. */
    released: string[];
    /** Stacks this release never touched. */
    untouched: string[];
    failure?: { stack?: string; step: string; reason: string; severe: boolean };
    rollback?: RollbackResult;
    steps: StepRecord[];
    notifications: Progress["notifications"];
}

class Stop extends Error {
    constructor(readonly outcome: ReleaseOutcome, readonly failure: ReleaseReport["failure"], readonly rollback?: RollbackResult) {
        super(failure?.reason ?? outcome);
    }
}

export async function runRelease(deps: ReleaseDeps, options: ReleaseOptions): Promise<ReleaseReport> {
    const redactor = deps.redactor ?? new Redactor();
    redactor.add(options.token);
    const progress = new Progress(deps.clock, redactor.wrap(deps.log));
    const clock = deps.clock;
    const released: string[] = [];
    const touched = new Set<string>();
    const untouched = () => options.stacks.filter((s) => !touched.has(s));
    let commit: string | undefined;
    const report = (outcome: ReleaseOutcome, extra: Partial<ReleaseReport> = {}): ReleaseReport => ({
        imageTag: options.imageTag, commit, stacks: options.stacks, outcome,
        exitCode: outcome === "succeeded" ? RELEASE_EXIT.ok : outcome === "refused" ? RELEASE_EXIT.refused
            : outcome === "rollback-failed" || outcome === "error" ? RELEASE_EXIT.rollbackFailed : RELEASE_EXIT.failed,
        startedAt: new Date(progress.startedAt).toISOString(), endedAt: new Date(clock.now()).toISOString(),
        seconds: (clock.now() - progress.startedAt) / 1000, released, untouched: untouched(),
        steps: progress.steps, notifications: progress.notifications, ...extra,
    });

    progress.line(undefined, `release ${options.imageTag} to ${options.stacks.join(", then ")}`);

    // Everything that can refuse the release is checked before the first stack is touched.
    let configs: Map<string, { map: ConfigMap; config: OlogywoodConfig }>;
    try {
        ({ commit, configs } = await preflight({ ...deps, redactor }, options, progress));
    } catch (e) {
        const reason = (e as Error).message;
        progress.line(undefined, `release refused, nothing was changed:\n${reason}`);
        return report("refused", { failure: { step: "preflight", reason, severe: false } });
    }

    const notifiers = new Map<string, Notifier>();
    const notifierOf = (stack: string) => {
        if (!notifiers.has(stack)) {
            const inner = deps.notifierFor(configs.get(stack)!.config, (l) => progress.line(stack, l.trim()));
            // Messages quote failure details; a server may have echoed the token into them.
            notifiers.set(stack, { send: (n) => inner.send({ ...n, text: redactor.redact(n.text) }) });
        }
        return notifiers.get(stack)!;
    };
    const notify = async (stack: string | undefined, notifier: Notifier, n: Notification): Promise<Delivery> => {
        const d = await notifier.send(n);
        progress.noteDelivery(stack, d);
        return d;
    };

    try {
        for (const stack of options.stacks) {
            touched.add(stack);
            await releaseStack(stack);
        }
    } catch (e) {
        if (e instanceof Stop) return report(e.outcome, { failure: e.failure, rollback: e.rollback });
        const stack = [...touched].pop();
        const reason = `${(e as Error).message}: the state of ${stack} is unknown; check it (pulumi stack history, /health) and roll back by hand if needed (npm run rollback -- ${stack})`;
        progress.line(stack, `release stopped by an unexpected error: ${reason}`);
        await notify(stack, notifierOf(stack!), messages.stoppedUnexpectedly(stack!, options.imageTag, (e as Error).message)).catch(() => undefined);
        return report("error", { failure: { stack, step: "unexpected error", reason, severe: false } });
    }

    // The plan's post-deployment message, once per channel.
    const sentTo = new Set<string>();
    for (const stack of options.stacks) {
        const key = configs.get(stack)!.config.slack.webhookUrl ?? `print:${stack}`;
        if (sentTo.has(key)) continue;
        sentTo.add(key);
        await notify(undefined, notifierOf(stack), messages.success(options.imageTag, options.stacks, clock.now() - progress.startedAt));
    }
    progress.line(undefined, `release ${options.imageTag} done on ${options.stacks.join(" and ")} in ${formatDuration(clock.now() - progress.startedAt)}`);
    return report("succeeded");

    async function releaseStack(stack: string): Promise<void> {
        const { config } = configs.get(stack)!;
        const notifier = notifierOf(stack);
        const driver = deps.driver;
        const tagKey = configKey("imageTag");
        const later = () => options.stacks.slice(options.stacks.indexOf(stack) + 1);

        // The last update before this release: a rollback returns to it or earlier.
        const before = (await driver.history(stack)).find((h) => h.kind === "update")?.version ?? 0;
        const previousTag = (await driver.getAllConfig(stack))[tagKey]?.value;

        const preview = await progress.step(stack, "preview", async () => {
            await driver.setConfig(stack, tagKey, { value: options.imageTag, secret: false });
            try {
                const p = await driver.preview(stack, { message: releaseMessage(options.imageTag, commit!), environment: { [COMMIT_ENV]: commit! } });
                return { outcome: "passed" as const, detail: describeChanges(p.changeSummary), figures: { changeSummary: p.changeSummary }, value: true };
            } catch (e) {
                return { outcome: "failed" as const, detail: (e as Error).message, value: false };
            }
        });
        if (!preview.value) {
            if (previousTag !== undefined) await driver.setConfig(stack, tagKey, { value: previousTag, secret: false });
            await notify(stack, notifier, messages.stopped(stack, options.imageTag, "preview", preview.detail ?? "preview failed", later()));
            throw new Stop("stopped", { stack, step: "preview", reason: preview.detail ?? "preview failed", severe: false });
        }

        await notify(stack, notifier, messages.deploymentStarted(stack, options.imageTag));
        const up = await progress.step(stack, "deploy (pulumi up; the pre-deploy backup gates the rollout)", async () => {
            try {
                const r = await driver.up(stack, {
                    message: releaseMessage(options.imageTag, commit!),
                    environment: { [COMMIT_ENV]: commit! },
                    onOutput: (l) => progress.line(stack, `    ${l}`),
                });
                return { outcome: "passed" as const, detail: describeChanges(r.changeSummary), figures: { changeSummary: r.changeSummary }, value: r };
            } catch (e) {
                return { outcome: "failed" as const, detail: (e as Error).message, value: undefined };
            }
        });
        const outputs = up.value?.outputs ?? await driver.outputs(stack).catch(() => ({} as Record<string, { value: unknown }>));
        const baseUrl = typeof outputs.url?.value === "string" ? outputs.url.value : `https://${config.domain}`;
        const fail = async (step: string, reason: string, severe: boolean): Promise<never> => {
            const rollback = await rollbackStack({ ...deps, progress, notifier }, {
                stack, request: { kind: "before-release", upTo: before }, severe, reason, failedStep: step,
                version: options.imageTag, untouched: later(), baseUrl, healthPath: config.app.healthPath,
            });
            throw new Stop(rollback.outcome === "rolled-back" ? "rolled-back" : "rollback-failed", { stack, step, reason, severe }, rollback);
        };
        if (!up.value) {
            // The update may have changed part of the stack; users are hurt if /health fails now.
            const health = await checkHealth(baseUrl, { healthPath: config.app.healthPath, attempts: 2, clock });
            return fail("deploy", up.detail ?? "pulumi up failed", health.outcome !== "passed");
        }
        await notify(stack, notifier, messages.deploymentComplete(stack, options.imageTag, up.record.seconds * 1000));

        // Smoke tests, with staging's mail catcher when the stack runs one.
        const smokeGate = deps.gates?.smoke ?? runSmoke;
        const smoke = await progress.step(stack, "smoke tests", async () => withClusterUrl(
            config.mailpit.enabled ? `http://${MAILPIT.name}.${config.namespace}:${MAILPIT.httpPort}` : undefined,
            async (mailUrl) => {
                const r = await smokeGate({
                    baseUrl, token: options.token, mailUrl, healthPath: config.app.healthPath, clock,
                    log: (l) => progress.line(stack, l), mailTimeoutMs: config.release.mailTimeoutSeconds * 1000, ...options.smoke,
                    mailSkipReason: config.mailpit.enabled ? "the mail catcher could not be reached" : "no mail catcher on this stack (mailpit.enabled is false)",
                });
                const failed = r.checks.filter((c) => c.outcome === "failed");
                return {
                    outcome: r.passed ? "passed" as const : "failed" as const,
                    detail: r.passed ? `${r.checks.filter((c) => c.outcome === "passed").length} passed, ${r.checks.filter((c) => c.outcome === "skipped").length} skipped`
                        : failed.map((c) => `${c.name}: ${c.detail}`).join("; "),
                    figures: { checks: r.checks },
                    value: r,
                };
            }));
        if (smoke.outcome !== "passed") await fail("smoke tests", smoke.detail ?? "smoke tests failed", smoke.value.severe);
        await notify(stack, notifier, messages.gatePassed(stack, "smoke tests", smoke.detail ?? ""));

        if (config.release.loadTest) {
            const loadGate = deps.gates?.loadTest ?? runLoadTest;
            const load = await progress.step(stack, "load test", async () => {
                const r = await loadGate({
                    baseUrl, token: options.token, rate: config.release.loadTestRps, healthPath: config.app.healthPath,
                    log: (l) => progress.line(stack, l), ...options.loadTest,
                });
                const detail = `p95 ${r.p95Seconds.toFixed(3)} s, error rate ${(r.errorRate * 100).toFixed(2)} %, success ${(r.successRate * 100).toFixed(2)} %, ${r.requests} requests`;
                return { outcome: r.passed ? "passed" as const : "failed" as const, detail, figures: { ...r }, value: r };
            });
            if (load.outcome !== "passed") await fail("load test", load.detail ?? "load test failed", load.value.severe);
            await notify(stack, notifier, messages.gatePassed(stack, "load test", load.detail ?? ""));
        }

        const bakeGate = deps.gates?.bake ?? runBake;
        const bake = await progress.step(stack, "bake (metrics watch)", async () => withClusterUrl(config.monitoring.prometheusUrl, async (prometheusUrl) => {
            const r = await bakeGate({
                durationSeconds: config.release.bakeSeconds, intervalSeconds: config.release.bakeIntervalSeconds,
                failureSamples: config.release.bakeFailureSamples, noDataSamples: config.release.bakeNoDataSamples,
                prometheusUrl, namespace: config.namespace, baseUrl, healthPath: config.app.healthPath, metricsPath: config.app.metricsPath,
                clock, log: (l) => progress.line(stack, l),
            });
            return { outcome: r.outcome, detail: r.reason, figures: { samples: r.samples }, value: r };
        }));
        if (bake.outcome === "failed") await fail("bake", bake.detail ?? "bake failed", bake.value.severe);
        if (bake.outcome === "passed") await notify(stack, notifier, messages.gatePassed(stack, `metrics watch (${formatDuration(bake.value.seconds * 1000)})`, ""));
        await notify(stack, notifier, messages.stage(`${stack}: release ${options.imageTag} done ✅`));
        released.push(stack);
    }

    /** Runs `work` with an in-cluster URL reachable from here (port-forward if need be), or undefined. */
    async function withClusterUrl<T>(url: string | undefined, work: (reachable: string | undefined) => Promise<T>): Promise<T> {
        if (!url) return work(undefined);
        let access: ClusterUrl | undefined;
        try {
            access = await deps.clusterAccess(url);
        } catch (e) {
            progress.line(undefined, `warning: ${(e as Error).message}; going on without it`);
            return work(undefined);
        }
        try {
            return await work(access.url);
        } finally {
            access.close();
        }
    }
}

/**
 * Before any change: the program's commit (clean, so a later rollback can check it out), every
 * stack's config with the new image tag through the schema, the load test's rate against the
 * ingress rate limit, and the smoke token. Throws with every problem listed.
 */
async function preflight(deps: ReleaseDeps & { redactor: Redactor }, options: ReleaseOptions, progress: Progress) {
    const problems: string[] = [];
    const configs = new Map<string, { map: ConfigMap; config: OlogywoodConfig }>();
    const commit = await deps.git.head();
    const dirty = await deps.git.uncommittedChanges();
    if (dirty.length > 0 && !options.allowDirty) {
        problems.push(`the program has uncommitted changes (${dirty.slice(0, 5).join(", ")}${dirty.length > 5 ? ", ..." : ""}): ` +
            "commit them first, so that the release records a commit a rollback can check out (or pass --allow-dirty and lose that)");
    }
    if (!options.token) problems.push("no smoke test token: set TEST_TOKEN (or pass --token); the smoke and load tests call the booking API with it");
    for (const stack of options.stacks) {
        await progress.step(stack, "validate config", async () => {
            try {
                const map = await deps.driver.getAllConfig(stack);
                const config = parseStackConfig(map, stack, { [configKey("imageTag")]: options.imageTag });
                configs.set(stack, { map, config });
                deps.redactor.add(config.slack.webhookUrl);
                const own = gateConfigProblems(config, options);
                own.forEach((p) => problems.push(`${stack}: ${p}`));
                return own.length > 0
                    ? { outcome: "failed" as const, detail: own.join("; "), value: undefined }
                    : { outcome: "passed" as const, detail: `image ${config.imageRepository}:${options.imageTag}, bake ${config.release.bakeSeconds} s${config.release.loadTest ? ", load test" : ""}`, value: undefined };
            } catch (e) {
                const message = e instanceof ConfigError ? e.message : `cannot read the config: ${(e as Error).message}`;
                problems.push(message);
                return { outcome: "failed" as const, detail: message.split("\n")[0], value: undefined };
            }
        });
    }
    if (problems.length > 0) throw new Error(problems.map((p) => `  - ${p}`).join("\n"));
    return { commit: dirty.length > 0 ? `${commit}+dirty` : commit, configs };
}

/** Settings of the gates that cannot work together. */
function gateConfigProblems(config: OlogywoodConfig, options: ReleaseOptions): string[] {
    const problems: string[] = [];
    const connections = options.loadTest?.connections ?? THRESHOLDS.loadTest.connections;
    if (config.release.loadTest && config.release.loadTestRps > config.ingress.rateLimitRps) {
        problems.push(`ologywood:release.loadTestRps (${config.release.loadTestRps}) is above ologywood:ingress.rateLimitRps (${config.ingress.rateLimitRps}): ` +
            "the load test runs from one IP and would measure the ingress rate limiter; lower the first or raise the second");
    }
    if (config.release.loadTest && config.release.loadTestRps < connections) {
        problems.push(`ologywood:release.loadTestRps (${config.release.loadTestRps}) is below the load test's ${connections} users: ` +
            "each simulated user needs at least one request per second");
    }
    return problems;
}

function describeChanges(summary: Record<string, number>): string {
    const parts = Object.entries(summary).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op === "same" ? "unchanged" : `to ${op}`}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}
