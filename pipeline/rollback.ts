/**
 * Rollback as Pulumi documents it (pulumi-facts §5): redeploy a stack with the program AND the
 * config of an earlier successful update, not today's code with yesterday's config.
 *
 *   1. pick the target in the stack's history (pipeline/history.ts) and check its commit out
 *      into a git worktree;
 *   2. set the target update's config in the worktree's stack and `up` from the worktree. When
 *      the failure is severe (the plan's rollback criteria) the config also has the maintenance
 *      page on: the Ingress switch does not wait for anything, so it is the first change this
 *      update makes, while the Deployments wait for the pre-deploy backup and roll back behind
 *      the page. (A separate maintenance-on update first would run today's failed program once
 *      more and cost a whole update.) No load test, no bake: a rollback must be fast;
 *   3. maintenance page OFF (same program and config), then GET /health until it answers 200;
 *   4. notify, stop. Data is not rolled back: the output says so and points to `npm run db:restore`.
 *
 * Used by the release pipeline when a gate fails, and by `npm run rollback` by hand.
 */
import * as fs from "fs";
import * as path from "path";
import { CheckResult, Log } from "./checks";
import { formatDuration } from "./clock";
import { StackDriver, UpdateRecord } from "./drivers/driver";
import { GitOps } from "./git";
import { chooseRollbackTarget, COMMIT_ENV, describeUpdate, imageTagOf, rollbackMessage, TargetRequest } from "./history";
import { MAINTENANCE_KEY, setMaintenance } from "./maintenance";
import * as messages from "./messages";
import { Progress } from "./report";
import { configKey, fetchStackConfig } from "./stack-config";
import type { OlogywoodConfig } from "../config/schema";
import { Notification, Notifier } from "./slack";
import { checkHealth } from "./smoke";
import { CommandRunner, prepareProgramDir, ProgramDir } from "./workspace";

/** Set by the rollback: the program makes no pre-deploy backup while the stack runs this tag (config/database.ts). */
export const SKIP_PRE_DEPLOY_KEY = configKey("backup.skipPreDeployFor");

/**
 * Whether the program in `dir` knows SKIP_PRE_DEPLOY_KEY: its schema is strict, so an older
 * program would refuse the key. The config reference is generated from the schema (and a test
 * keeps it fresh), so it says which keys a commit's program takes.
 */
export function knowsSkipPreDeploy(dir: string): boolean {
    try {
        return fs.readFileSync(path.join(dir, "docs", "config-reference.md"), "utf8").includes("backup.skipPreDeployFor");
    } catch {
        return false;
    }
}

export interface RollbackDeps {
    /** The driver of the repository's program (today's). */
    driver: StackDriver;
    /** A driver that runs the program in `dir` (the rollback's worktree). */
    openDriver: (dir: string) => StackDriver;
    git: GitOps;
    progress: Progress;
    notifier: Notifier;
    /** Runs `npm ci` in a worktree whose lockfile differs. */
    runner?: CommandRunner;
}

export interface RollbackPlan {
    stack: string;
    request: TargetRequest;
    /** The failure meets the plan's rollback criteria: maintenance page on first. */
    severe: boolean;
    /** Why the stack is rolled back. */
    reason: string;
    /** The step that failed ("smoke tests", ...), for the messages. */
    failedStep: string;
    /** The version that failed, for the messages. */
    version?: string;
    /** Stacks the release did not touch (named in the messages). */
    untouched?: string[];
    baseUrl: string;
    healthPath?: string;
}

export interface RollbackResult {
    outcome: "rolled-back" | "refused" | "failed";
    target?: string;
    targetUpdate?: number;
    maintenance: boolean;
    reason?: string;
    /** When the rollback started and ended (ISO), for the benchmark and the report. */
    startedAt: string;
    endedAt: string;
    seconds: number;
}

export const DATA_NOTE =
    "Data is NOT rolled back by this: bookings written by the failed version stay in the database. " +
    "If they are wrong, restore the pre-deploy backup with `npm run db:restore` (docs/database.md).";

export async function rollbackStack(deps: RollbackDeps, plan: RollbackPlan): Promise<RollbackResult> {
    const { progress, driver } = deps;
    const clock = progress.clock;
    const stack = plan.stack;
    const started = clock.now();
    const say = (text: string) => progress.line(stack, text);
    const log: Log = (line) => say(line);
    const notify = async (n: Notification) => progress.noteDelivery(stack, await deps.notifier.send(n));
    const finish = (outcome: RollbackResult["outcome"], extra: Partial<RollbackResult> = {}): RollbackResult => ({
        outcome,
        maintenance: false,
        ...extra,
        startedAt: new Date(started).toISOString(),
        endedAt: new Date(clock.now()).toISOString(),
        seconds: (clock.now() - started) / 1000,
    });

    // 1. The target.
    const choice = await progress.step(stack, "rollback: choose the target", async () => {
        const c = chooseRollbackTarget(await driver.history(stack), plan.request);
        c.skipped.forEach((s) => say(`  passed over ${describeUpdate(s.update)}: ${s.reason}`));
        return c.target
            ? { outcome: "passed" as const, detail: describeUpdate(c.target), value: c }
            : { outcome: "failed" as const, detail: c.error, value: c };
    });
    if (!choice.value.target) {
        await notify(messages.rollbackFailed(stack, `no rollback target: ${choice.value.error}`));
        return finish("refused", { reason: choice.value.error });
    }
    const target: UpdateRecord = choice.value.target;
    const commit = choice.value.commit!;
    const targetName = describeUpdate(target);
    const maintenance = plan.severe;
    await notify(
        messages.rollbackStarted(stack, plan.version ?? "the current version", plan.failedStep, plan.reason, targetName, maintenance, plan.untouched ?? []),
    );

    let program: ProgramDir | undefined;
    try {
        program = (
            await progress.step(stack, `rollback: check out commit ${commit.slice(0, 12)} into a worktree`, async () => {
                const p = await prepareProgramDir(deps.git, commit, stack, deps.runner);
                return { outcome: "passed" as const, detail: `${p.dir} (dependencies ${p.dependencies})`, value: p };
            })
        ).value;

        // 2. The target's program and config, behind the maintenance page when severe, and without
        //    a pre-deploy backup: the target's data was backed up when it was first released, and a
        //    backup that fails with a failing database must not fail the rollback too.
        const wt = deps.openDriver(program.dir);
        const config = { ...target.config, ...(maintenance ? { [MAINTENANCE_KEY]: { value: "true", secret: false } } : {}) };
        const targetTag = imageTagOf(target.config);
        const noBackup = targetTag !== undefined && knowsSkipPreDeploy(program.dir);
        if (!noBackup)
            say(`the program of ${targetName} predates rollbacks without a backup (no ${SKIP_PRE_DEPLOY_KEY}): its pre-deploy backup will run first`);
        const environment = { [COMMIT_ENV]: commit };
        const up = await progress.step(
            stack,
            `rollback: pulumi up with the program and config of ${targetName}${maintenance ? ", maintenance page on first" : ""}${noBackup ? ", no pre-deploy backup" : ""}`,
            async () => {
                await wt.setAllConfig(stack, config);
                if (noBackup) await wt.setConfig(stack, SKIP_PRE_DEPLOY_KEY, { value: targetTag, secret: false }, { path: true });
                try {
                    const result = await wt.up(stack, {
                        message: rollbackMessage(target, commit, maintenance ? "[maintenance on]" : ""),
                        environment,
                        onOutput: (l) => say(`    ${l}`),
                    });
                    return { outcome: "passed" as const, figures: { changeSummary: result.changeSummary }, value: true };
                } catch (e) {
                    return { outcome: "failed" as const, detail: (e as Error).message, value: false };
                }
            },
        );
        if (!up.value) {
            const reason = `pulumi up of ${targetName} failed: ${up.detail}${maintenance ? "; the maintenance page may be on" : ""}`;
            await notify(messages.rollbackFailed(stack, reason));
            return finish("failed", { target: targetName, targetUpdate: target.version, maintenance, reason });
        }

        // 3. Maintenance page off, then health.
        if (maintenance) {
            const off = await progress.step(stack, "maintenance page OFF", async () => {
                try {
                    await setMaintenance(wt, stack, false, log, {
                        message: rollbackMessage(target, commit, "[maintenance off]"),
                        environment,
                        streamOutput: false,
                        clock,
                    });
                    return { outcome: "passed" as const, value: true };
                } catch (e) {
                    return { outcome: "failed" as const, detail: (e as Error).message.split("\n")[0], value: false };
                }
            });
            if (!off.value) {
                const reason = `rolled back to ${targetName}, but turning the maintenance page off failed: ${off.detail}`;
                await notify(messages.rollbackFailed(stack, reason));
                return finish("failed", { target: targetName, targetUpdate: target.version, maintenance, reason });
            }
        }
        const health = await progress.step(stack, "rollback: health check", async () => {
            const check: CheckResult = await checkHealth(plan.baseUrl, { healthPath: plan.healthPath, clock });
            return { outcome: check.outcome === "passed" ? ("passed" as const) : ("failed" as const), detail: check.detail, value: check };
        });
        if (health.outcome !== "passed") {
            const reason = `rolled back to ${targetName}, but ${plan.healthPath ?? "/health"} still fails: ${health.detail}`;
            await notify(messages.rollbackFailed(stack, reason));
            return finish("failed", { target: targetName, targetUpdate: target.version, maintenance, reason });
        }

        // 4. Done.
        const took = clock.now() - started;
        say(`rolled back to ${targetName} in ${formatDuration(took)}; ${plan.healthPath ?? "/health"} answers 200`);
        say(DATA_NOTE);
        say(
            `The stack now runs the program and config of commit ${commit.slice(0, 12)}: run further commands on ${stack} (maintenance, db:restore) from that commit ` +
                `(git checkout ${commit.slice(0, 12)}) with the deployed config in the stack file (pulumi config refresh --stack ${stack} --force), or release a fix.`,
        );
        await notify(messages.rolledBack(stack, targetName, took));
        return finish("rolled-back", { target: targetName, targetUpdate: target.version, maintenance });
    } catch (e) {
        const reason = (e as Error).message;
        await notify(messages.rollbackFailed(stack, reason));
        return finish("failed", { target: targetName, targetUpdate: target.version, maintenance, reason });
    } finally {
        if (program) await program.cleanup().catch((e) => say(`could not remove the worktree ${program!.dir}: ${(e as Error).message}`));
    }
}

export interface ManualRollbackOptions {
    stack: string;
    /** An update number (`41`, `#41`) or a released version; the last good state before now when absent. */
    to?: string;
    /** Turn the maintenance page on first even when /health answers 200. */
    maintenance?: boolean;
}

/**
 * `npm run rollback`: the same rollback by hand (the plan's "Immediate Rollback (< 5 minutes)").
 * The maintenance page goes on first when asked, or when /health already fails (users are hurt:
 * the plan's criteria).
 */
export async function manualRollback(
    deps: Omit<RollbackDeps, "notifier"> & { notifierFor: (config: OlogywoodConfig, log: Log) => Notifier },
    options: ManualRollbackOptions,
): Promise<RollbackResult> {
    const { progress, driver } = deps;
    const { config } = await fetchStackConfig(driver, options.stack);
    const outputs = await driver.outputs(options.stack).catch(() => ({}) as Record<string, { value: unknown }>);
    const baseUrl = typeof outputs.url?.value === "string" ? outputs.url.value : `https://${config.domain}`;
    const health = await progress.step(options.stack, "health before the rollback", async () => {
        const check = await checkHealth(baseUrl, { healthPath: config.app.healthPath, attempts: 2, retryDelayMs: 3000, clock: progress.clock });
        return { outcome: check.outcome === "passed" ? ("passed" as const) : ("failed" as const), detail: check.detail, value: check };
    });
    const severe = Boolean(options.maintenance) || health.outcome !== "passed";
    const current = (await driver.history(options.stack)).find((h) => h.kind === "update");
    return rollbackStack(
        { ...deps, notifier: deps.notifierFor(config, (l) => progress.line(options.stack, l.trim())) },
        {
            stack: options.stack,
            request: options.to ? { kind: "to", to: options.to } : { kind: "previous" },
            severe,
            reason: options.maintenance
                ? "requested with --maintenance"
                : health.outcome !== "passed"
                  ? `${config.app.healthPath} fails: ${health.detail}`
                  : "requested by hand",
            failedStep: messages.MANUAL,
            version: current ? describeUpdate(current) : "the current version",
            baseUrl,
            healthPath: config.app.healthPath,
        },
    );
}
