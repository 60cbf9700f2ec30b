/**
 * How long each step of a release takes on a real cluster, in seconds: the benchmark
 * (`npm run bench:release`) runs the pipeline on a virtual clock that advances by these figures,
 * and the day-before announcement estimates its timeline from them. docs/release.md explains
 * where each figure comes from. Bake and load test durations are not modelled: they come from
 * the stack config and the plan.
 */
export const STEP_SECONDS = {
    /** Tag pushed -> job running: runner pick-up, checkout with history, npm ci, Pulumi CLI, login. */
    ciStart: 120,
    /** `pulumi config --show-secrets` and the schema. */
    validate: 5,
    /** `pulumi preview` of ~60 resources against the cluster. */
    preview: 40,
    /**
     * `pulumi up` of a release: the pre-deploy backup Job (pg_dump of the booking database),
     * then a rolling update (maxSurge 25 %, maxUnavailable 0, minReadySeconds 10, readiness every
     * 5 s) of API, worker and email, then the post-deploy check of the public URL.
     */
    up: { backupJob: 90, rollout: 120, postDeployCheck: 15 },
    /** `pulumi up` that only switches the Ingress to or from the maintenance page, plus its check. */
    maintenanceSwitch: 40,
    /** Rollback: git worktree of the recorded commit, linking dependencies, the config restore. */
    rollbackPrepare: 15,
    /** Rollback `up`: the previous pods rolled back in (no backup Job: its trigger did not change). */
    rollbackUp: { rollout: 120, postDeployCheck: 15 },
    /** Smoke tests: four API calls and the email's trip through the email service to Mailpit. */
    smoke: 25,
    /** Load test set-up and teardown around its duration. */
    loadOverhead: 10,
    /** Health check after a rollback. */
    healthCheck: 5,
    /** One Slack webhook call. */
    slack: 1,
} as const;

export const upSeconds = (): number => STEP_SECONDS.up.backupJob + STEP_SECONDS.up.rollout + STEP_SECONDS.up.postDeployCheck;
export const rollbackUpSeconds = (): number => STEP_SECONDS.rollbackUp.rollout + STEP_SECONDS.rollbackUp.postDeployCheck;

export interface StackPlan {
    stack: string;
    loadTest: boolean;
    loadTestSeconds: number;
    bakeSeconds: number;
}

export interface TimelineEntry {
    /** Seconds after the start. */
    at: number;
    stack: string;
    what: string;
}

/** The expected timeline of a release across stacks, for the announcements. */
export function estimateTimeline(stacks: StackPlan[]): { entries: TimelineEntry[]; totalSeconds: number } {
    const entries: TimelineEntry[] = [];
    let t = 0;
    for (const s of stacks) {
        entries.push({ at: t, stack: s.stack, what: "deployment" });
        t += STEP_SECONDS.validate + STEP_SECONDS.preview + upSeconds();
        entries.push({ at: t, stack: s.stack, what: `smoke tests${s.loadTest ? ", load test" : ""}` });
        t += STEP_SECONDS.smoke + (s.loadTest ? s.loadTestSeconds + STEP_SECONDS.loadOverhead : 0);
        if (s.bakeSeconds > 0) {
            entries.push({ at: t, stack: s.stack, what: `metrics watch (${Math.round(s.bakeSeconds / 60)} min)` });
            t += s.bakeSeconds;
        }
    }
    return { entries, totalSeconds: t };
}
