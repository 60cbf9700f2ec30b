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
 * stacks are never touched. Exit code 0 only when every stack passed every gate it ran; a gate
 * that did not run is named in the report, the summary and the Slack message.
 *
 * Pieces: preflight.ts (what can refuse the release), release-stack.ts (one stack), gates.ts
 * (smoke, load, bake), and here the run over the stacks and the outcome -> exit code table.
 */
import type { OlogywoodConfig } from "../config/schema";
import { EXIT } from "../cli/frame";
import { Redactor } from "../cli/redact";
import { Log } from "./checks";
import { Clock, formatDuration } from "./clock";
import { ClusterAccess } from "./cluster";
import { GateContext, GateResult } from "./gates";
import * as messages from "./messages";
import { preflight, PreflightResult } from "./preflight";
import { releaseStack, ReleaseRun, Stop } from "./release-stack";
import { Progress, StepRecord } from "./report";
import { RollbackDeps, RollbackResult } from "./rollback";
import { Delivery, Notification, Notifier } from "./slack";
import { SmokeOptions } from "./smoke";

/** The release's outcomes in the commands' one exit-code table (cli/frame.ts). */
export const RELEASE_EXIT = {
    /** Every stack released and passed every gate. */
    ok: EXIT.ok,
    /** A stack failed a gate: it was rolled back, or stopped before any change. Later stacks untouched. */
    failed: EXIT.failed,
    /** Refused before touching anything: bad arguments, invalid config, uncommitted program changes, no token. */
    refused: EXIT.refused,
    /** A stack failed and its rollback failed or was impossible: a person must act now. */
    rollbackFailed: EXIT.actNow,
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
    loadTest?: GateContext["loadTest"];
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
    gates?: GateContext["implementations"];
    /** Learns the run's secrets (token, webhook URLs) and redacts every printed line; the CLI redacts the report with it. */
    redactor?: Redactor;
}

/** `error`: something unexpected (a Pulumi CLI call failed, say) after a stack was touched: its state is unknown. */
export type ReleaseOutcome = "succeeded" | "refused" | "stopped" | "rolled-back" | "rollback-failed" | "error";

/** How a release ends, as the commands' one exit-code table says it. */
export function exitCodeOf(outcome: ReleaseOutcome): number {
    switch (outcome) {
        case "succeeded":
            return RELEASE_EXIT.ok;
        case "refused":
            return RELEASE_EXIT.refused;
        case "stopped":
        case "rolled-back":
            return RELEASE_EXIT.failed;
        case "rollback-failed":
        case "error":
            return RELEASE_EXIT.rollbackFailed;
    }
}

/** A stack that passed: each gate's result (passed, or skipped with the reason). */
export interface StackResult {
    stack: string;
    gates: GateResult[];
}

/** A gate or check that did not run on a stack that was released, and why. */
export interface SkippedGate {
    stack: string;
    gate: string;
    reason: string;
}

export interface ReleaseReport {
    imageTag: string;
    commit?: string;
    stacks: string[];
    outcome: ReleaseOutcome;
    exitCode: number;
    startedAt: string;
    endedAt: string;
    seconds: number;
    /** Stacks that passed every gate they ran with the new version. */
    released: string[];
    /** Gates and checks that did not run on the released stacks: never a silent pass. */
    skipped: SkippedGate[];
    /** Stacks this release never touched. */
    untouched: string[];
    failure?: { stack?: string; step: string; reason: string; severe: boolean };
    rollback?: RollbackResult;
    steps: StepRecord[];
    notifications: Progress["notifications"];
}

export async function runRelease(deps: ReleaseDeps, options: ReleaseOptions): Promise<ReleaseReport> {
    const redactor = deps.redactor ?? new Redactor();
    redactor.add(options.token);
    const progress = new Progress(deps.clock, redactor.wrap(deps.log));
    const clock = deps.clock;
    const results: StackResult[] = [];
    const touched = new Set<string>();
    let commit: string | undefined;
    const report = (outcome: ReleaseOutcome, extra: Partial<ReleaseReport> = {}): ReleaseReport => ({
        imageTag: options.imageTag,
        commit,
        stacks: options.stacks,
        outcome,
        exitCode: exitCodeOf(outcome),
        startedAt: new Date(progress.startedAt).toISOString(),
        endedAt: new Date(clock.now()).toISOString(),
        seconds: (clock.now() - progress.startedAt) / 1000,
        released: results.map((r) => r.stack),
        skipped: skippedIn(results),
        untouched: options.stacks.filter((s) => !touched.has(s)),
        steps: progress.steps,
        notifications: progress.notifications,
        ...extra,
    });

    progress.line(undefined, `release ${options.imageTag} to ${options.stacks.join(", then ")}`);

    let checked: PreflightResult;
    try {
        checked = await preflight({ ...deps, redactor }, options, progress);
        commit = checked.commit;
    } catch (e) {
        const reason = (e as Error).message;
        progress.line(undefined, `release refused, nothing was changed:\n${reason}`);
        return report("refused", { failure: { step: "preflight", reason, severe: false } });
    }
    const run = startRun(deps, options, progress, redactor, checked);

    try {
        for (const stack of options.stacks) {
            touched.add(stack);
            results.push(await releaseStack(run, stack));
        }
    } catch (e) {
        if (e instanceof Stop) return report(e.outcome, { failure: e.failure, rollback: e.rollback });
        const stack = [...touched].pop()!;
        const reason = `${(e as Error).message}: the state of ${stack} is unknown; check it (pulumi stack history, /health) and roll back by hand if needed (npm run rollback -- ${stack})`;
        progress.line(stack, `release stopped by an unexpected error: ${reason}`);
        await run.notify(stack, run.notifierOf(stack), messages.stoppedUnexpectedly(stack, options.imageTag, (e as Error).message)).catch(() => undefined);
        return report("error", { failure: { stack, step: "unexpected error", reason, severe: false } });
    }

    // The plan's post-deployment message, built from what each stack really went through; once per channel.
    const summary = messages.success(
        options.imageTag,
        results,
        clock.now() - progress.startedAt,
        (s: string) => checked.configs.get(s)!.config.monitoring.enabled,
    );
    const sentTo = new Set<string>();
    for (const stack of options.stacks) {
        const key = checked.configs.get(stack)!.config.slack.webhookUrl ?? `print:${stack}`;
        if (sentTo.has(key)) continue;
        sentTo.add(key);
        await run.notify(undefined, run.notifierOf(stack), summary);
    }
    const skipped = skippedIn(results);
    progress.line(
        undefined,
        `release ${options.imageTag} done on ${options.stacks.join(" and ")} in ${formatDuration(clock.now() - progress.startedAt)}` +
            (skipped.length > 0 ? `; not verified: ${skipped.map((s) => `${s.stack} ${s.gate} (${s.reason})`).join("; ")}` : ""),
    );
    return report("succeeded");
}

/** The notifiers and notify helper of one run: messages redacted, every delivery recorded. */
function startRun(deps: ReleaseDeps, options: ReleaseOptions, progress: Progress, redactor: Redactor, checked: PreflightResult): ReleaseRun {
    const notifiers = new Map<string, Notifier>();
    const notifierOf = (stack: string) => {
        if (!notifiers.has(stack)) {
            const inner = deps.notifierFor(checked.configs.get(stack)!.config, (l) => progress.line(stack, l.trim()));
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
    return { deps, options, progress, commit: checked.commit, configs: checked.configs, notifierOf, notify };
}

/** The gates skipped, and the checks skipped inside gates that ran, on the released stacks. */
export function skippedIn(results: StackResult[]): SkippedGate[] {
    return results.flatMap(({ stack, gates }) =>
        gates.flatMap((g) => [
            ...(g.outcome === "skipped" ? [{ stack, gate: g.gate, reason: g.detail }] : []),
            ...g.skippedChecks.map((check) => ({
                stack,
                gate: `${g.gate}: ${check.replace(/ \(.*$/, "")}`,
                reason: /\((.*)\)$/.exec(check)?.[1] ?? "skipped",
            })),
        ]),
    );
}
