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
    /** One Pulumi CLI call of the Automation API (`config --json`, `stack history`, `config set`, `stack output`). */
    pulumiCall: 2,
    /** `pulumi preview` of ~60 resources against the cluster. */
    preview: 40,
    /** Every `pulumi up`: CLI start, the TypeScript program compiled and run, the diff. */
    upOverhead: 15,
    /**
     * `pulumi up` of a release: the pre-deploy backup Job (pg_dump of the booking database), then a
     * rolling update of API, worker and email (maxSurge 25 %, maxUnavailable 0, minReadySeconds 10,
     * a new image to pull), then the post-deploy check of the public URL.
     */
    up: { backupJob: 60, rollout: 120, postDeployCheck: 15 },
    /** Rollback: git worktree of the recorded commit, dependencies linked. */
    rollbackPrepare: 15,
    /**
     * Rollback `up`: no backup Job (the rollback sets backup.skipPreDeployFor to the tag it returns
     * to, backed up when it was first released), the previous pods roll back in (image still cached
     * on the nodes), the post-deploy check.
     */
    rollbackUp: { backupJob: 0, rollout: 80, postDeployCheck: 10 },
    /** Into the rollback `up`: its Ingress switch to the maintenance page waits for nothing. */
    maintenancePageUp: 20,
    /** `pulumi up` that only switches the Ingress back from the maintenance page, plus its check. */
    maintenanceOff: { ingress: 5, postDeployCheck: 15 },
    /** Smoke tests: four API calls and the email's trip through the email service to Mailpit. */
    smoke: 25,
    /** Load test set-up and teardown around its duration. */
    loadOverhead: 10,
    /** One Slack webhook call. */
    slack: 1,
} as const;

export const upSeconds = (): number => STEP_SECONDS.upOverhead + STEP_SECONDS.up.backupJob + STEP_SECONDS.up.rollout + STEP_SECONDS.up.postDeployCheck;
export const rollbackUpSeconds = (): number =>
    STEP_SECONDS.upOverhead + STEP_SECONDS.rollbackUp.backupJob + STEP_SECONDS.rollbackUp.rollout + STEP_SECONDS.rollbackUp.postDeployCheck;
export const maintenanceOffSeconds = (): number => STEP_SECONDS.upOverhead + STEP_SECONDS.maintenanceOff.ingress + STEP_SECONDS.maintenanceOff.postDeployCheck;

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
        t += STEP_SECONDS.preview + upSeconds();
        entries.push({ at: t, stack: s.stack, what: `smoke tests${s.loadTest ? ", load test" : ""}` });
        t += STEP_SECONDS.smoke + (s.loadTest ? s.loadTestSeconds + STEP_SECONDS.loadOverhead : 0);
        if (s.bakeSeconds > 0) {
            entries.push({ at: t, stack: s.stack, what: `metrics watch (${Math.round(s.bakeSeconds / 60)} min)` });
            t += s.bakeSeconds;
        }
    }
    return { entries, totalSeconds: t };
}
