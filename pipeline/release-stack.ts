/**
 * One stack of a release: set the image tag, preview, `pulumi up` (the pre-deploy backup gates
 * the rollout; the post-deploy check fails the update on a dead /health), then the gates (smoke,
 * load, bake). A failure before `up` sets the tag back and changes nothing; a failure from `up`
 * on rolls the stack back to its last good update (pipeline/rollback.ts).
 */
import type { OlogywoodConfig } from "../config/schema";
import { checkHealth } from "./smoke";
import { ConfigMap } from "./drivers/driver";
import { bakeGate, GateContext, GateResult, loadGate, smokeGate } from "./gates";
import { COMMIT_ENV, releaseMessage } from "./history";
import * as messages from "./messages";
import { Progress } from "./report";
import { rollbackStack, RollbackResult } from "./rollback";
import { Delivery, Notification, Notifier } from "./slack";
import { configKey } from "./stack-config";
import type { ReleaseDeps, ReleaseOptions, ReleaseOutcome, ReleaseReport, StackResult } from "./release";

/** A stack that did not pass: how the release ends, and why. */
export class Stop extends Error {
    constructor(
        readonly outcome: ReleaseOutcome,
        readonly failure: ReleaseReport["failure"],
        readonly rollback?: RollbackResult,
    ) {
        super(failure?.reason ?? outcome);
    }
}

/** What one release run shares between its stacks. */
export interface ReleaseRun {
    deps: ReleaseDeps;
    options: ReleaseOptions;
    progress: Progress;
    commit: string;
    configs: Map<string, { map: ConfigMap; config: OlogywoodConfig }>;
    notifierOf: (stack: string) => Notifier;
    notify: (stack: string | undefined, notifier: Notifier, n: Notification) => Promise<Delivery>;
}

export async function releaseStack(run: ReleaseRun, stack: string): Promise<StackResult> {
    const { deps, options, progress, commit } = run;
    const { config } = run.configs.get(stack)!;
    const notifier = run.notifierOf(stack);
    const driver = deps.driver;
    const tagKey = configKey("imageTag");
    const later = options.stacks.slice(options.stacks.indexOf(stack) + 1);

    // The last update before this release: a rollback returns to it or earlier.
    const before = (await driver.history(stack)).find((h) => h.kind === "update")?.version ?? 0;
    const previousTag = (await driver.getAllConfig(stack))[tagKey]?.value;

    const preview = await progress.step(stack, "preview", async () => {
        await driver.setConfig(stack, tagKey, { value: options.imageTag, secret: false });
        try {
            const p = await driver.preview(stack, { message: releaseMessage(options.imageTag, commit), environment: { [COMMIT_ENV]: commit } });
            return { outcome: "passed" as const, detail: describeChanges(p.changeSummary), figures: { changeSummary: p.changeSummary }, value: true };
        } catch (e) {
            return { outcome: "failed" as const, detail: (e as Error).message, value: false };
        }
    });
    if (!preview.value) {
        if (previousTag !== undefined) await driver.setConfig(stack, tagKey, { value: previousTag, secret: false });
        await run.notify(stack, notifier, messages.stopped(stack, options.imageTag, "preview", preview.detail ?? "preview failed", later));
        throw new Stop("stopped", { stack, step: "preview", reason: preview.detail ?? "preview failed", severe: false });
    }

    await run.notify(stack, notifier, messages.deploymentStarted(stack, options.imageTag));
    const up = await progress.step(stack, "deploy (pulumi up; the pre-deploy backup gates the rollout)", async () => {
        try {
            const r = await driver.up(stack, {
                message: releaseMessage(options.imageTag, commit),
                environment: { [COMMIT_ENV]: commit },
                onOutput: (l) => progress.line(stack, `    ${l}`),
            });
            return { outcome: "passed" as const, detail: describeChanges(r.changeSummary), figures: { changeSummary: r.changeSummary }, value: r };
        } catch (e) {
            return { outcome: "failed" as const, detail: (e as Error).message, value: undefined };
        }
    });
    const outputs = up.value?.outputs ?? (await driver.outputs(stack).catch(() => ({}) as Record<string, { value: unknown }>));
    const stringOutput = (name: string) => (typeof outputs[name]?.value === "string" ? (outputs[name].value as string) : undefined);
    const baseUrl = stringOutput("url") ?? `https://${config.domain}`;
    const fail = async (step: string, reason: string, severe: boolean): Promise<never> => {
        const rollback = await rollbackStack(
            { ...deps, progress, notifier },
            {
                stack,
                request: { kind: "before-release", upTo: before },
                severe,
                reason,
                failedStep: step,
                version: options.imageTag,
                untouched: later,
                baseUrl,
                healthPath: config.app.healthPath,
            },
        );
        throw new Stop(rollback.outcome === "rolled-back" ? "rolled-back" : "rollback-failed", { stack, step, reason, severe }, rollback);
    };
    if (!up.value) {
        // The update may have changed part of the stack; users are hurt if /health fails now.
        const health = await checkHealth(baseUrl, { healthPath: config.app.healthPath, attempts: 2, clock: deps.clock });
        return fail("deploy", up.detail ?? "pulumi up failed", health.outcome !== "passed");
    }
    await run.notify(stack, notifier, messages.deploymentComplete(stack, options.imageTag, up.record.seconds * 1000));

    const ctx: GateContext = {
        stack,
        config,
        baseUrl,
        mailCatcherUrl: stringOutput("mailCatcherUrl"),
        token: options.token,
        clock: deps.clock,
        progress,
        clusterAccess: deps.clusterAccess,
        loadTest: options.loadTest,
        smoke: options.smoke,
        implementations: deps.gates,
    };
    const gates: GateResult[] = [];
    for (const gate of [smokeGate, loadGate, bakeGate]) {
        const result = await gate(ctx);
        gates.push(result);
        if (result.outcome === "failed") await fail(result.gate, result.detail, result.severe);
        if (result.outcome === "skipped") progress.line(stack, `– ${result.gate} skipped: ${result.detail}`);
        else await run.notify(stack, notifier, messages.gatePassed(stack, result.gate, result.detail, result.skippedChecks));
    }
    await run.notify(stack, notifier, messages.stage(`${stack}: release ${options.imageTag} done ✅`));
    return { stack, gates };
}

function describeChanges(summary: Record<string, number>): string {
    const parts = Object.entries(summary)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${n} ${op === "same" ? "unchanged" : `to ${op}`}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}
