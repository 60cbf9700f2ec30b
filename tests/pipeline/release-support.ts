/** Shared by the release tests: a release of 1.4.2 through a local World, fast settings. */
import { runRelease, ReleaseOptions, ReleaseReport } from "../../pipeline/release";
import { World, WORLD_TOKEN } from "../support/standins/world";

export const NEW_VERSION = "1.4.2";

/** Fast gates: short load test, quick timeouts; bake time stays as configured (virtual clock). */
export function release(world: World, options: Partial<ReleaseOptions> = {}): Promise<ReleaseReport> {
    return runRelease(world.deps(), {
        imageTag: NEW_VERSION,
        stacks: world.stacks,
        token: WORLD_TOKEN,
        loadTest: { connections: 5, durationSeconds: 1 },
        smoke: { requestTimeoutMs: 2000, retryDelayMs: 1000, mailPollMs: 5000 },
        ...options,
    });
}

/** The steps of a report as `stack:step:outcome`, for order assertions. */
export function stepTrail(report: ReleaseReport): string[] {
    return report.steps.map((s) => `${s.stack ?? "-"}:${s.step.split(" (")[0]}:${s.outcome}`);
}
