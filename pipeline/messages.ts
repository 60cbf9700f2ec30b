/**
 * The texts of the plan's communication plan: the day-before and hour-before announcements,
 * one line per stage during the release ("During Deployment"), the success message
 * ("Post-Deployment") and the rollback messages. Built here, sent by pipeline/slack.ts.
 */
import { THRESHOLDS } from "../metrics/contract";
import { formatDuration, formatOffset } from "./clock";
import { estimateTimeline, StackPlan } from "./model";
import { Notification } from "./slack";

const SYSTEM = "Booking System";

export function dayBefore(version: string, when: string, stacks: StackPlan[], notes: string[] = []): Notification {
    const { entries, totalSeconds } = estimateTimeline(stacks);
    const lt = THRESHOLDS.loadTest;
    return {
        kind: "day-before",
        text: [
            `🚀 ${SYSTEM} Deployment - ${when} (release ${version})`,
            "",
            `We're deploying release ${version} with the automated release pipeline:`,
            ...notes.map((n) => `✅ ${n}`),
            `✅ ${stacks[0]?.stack ?? "staging"} first: smoke tests, a load test (${lt.connections} users, ${lt.durationSeconds} s), then metrics watched`,
            "✅ each next stack only after the previous one passed; automatic rollback on the plan's criteria",
            "",
            "Timeline (estimated, from the start):",
            ...entries.map((e) => `- ${formatOffset(e.at * 1000)}: ${e.stack} ${e.what}`),
            `- ${formatOffset(totalSeconds * 1000)}: done, monitoring continues`,
            "",
            "Questions? Reply in thread.",
        ].join("\n"),
    };
}

export function hourBefore(version: string): Notification {
    return {
        kind: "hour-before",
        text: [
            `⏰ ${SYSTEM} Deployment - Starting in 1 hour (release ${version})`,
            "",
            "Expected downtime: None (zero-downtime deployment)",
            "Expected impact: None (feature is backward compatible)",
            "",
            "We'll monitor closely for 24 hours. Thank you for your patience!",
        ].join("\n"),
    };
}

export const stage = (text: string): Notification => ({ kind: "stage", text });

export const deploymentStarted = (stack: string, version: string) => stage(`${stack}: deployment of ${version} started`);
export const deploymentComplete = (stack: string, version: string, ms: number) => stage(`${stack}: deployment of ${version} complete (${formatDuration(ms)})`);
export const gatePassed = (stack: string, gate: string, figures: string, skippedChecks: string[] = []) =>
    stage(`${stack}: ${gate} passed ✅${figures ? ` (${figures})` : ""}${skippedChecks.length > 0 ? `; not checked: ${skippedChecks.join("; ")}` : ""}`);

/** What the post-deployment message needs of each released stack. */
export interface ReleasedStack {
    stack: string;
    gates: { gate: string; outcome: "passed" | "failed" | "skipped"; detail: string; skippedChecks: string[] }[];
}

/**
 * The plan's post-deployment message, from what each stack really went through: the gates that
 * passed with their figures, the ones that did not run and why, and whether alerts watch it.
 */
export function success(version: string, stacks: ReleasedStack[], ms: number, monitored: (stack: string) => boolean): Notification {
    const notVerified = stacks.flatMap(({ stack, gates }) =>
        gates.flatMap((g) => [
            ...(g.outcome === "skipped" ? [`${stack} ${g.gate}: ${g.detail}`] : []),
            ...g.skippedChecks.map((c) => `${stack} ${g.gate}: ${c}`),
        ]),
    );
    const watched = stacks.filter((s) => monitored(s.stack)).map((s) => s.stack);
    const unwatched = stacks.filter((s) => !monitored(s.stack)).map((s) => s.stack);
    return {
        kind: "success",
        text: [
            `✅ ${SYSTEM} ${version} Successfully Deployed!`,
            "",
            `Live on ${stacks.map((s) => s.stack).join(" and ")} after ${formatDuration(ms)}.`,
            ...stacks.map(
                ({ stack, gates }) =>
                    `${stack}: ${
                        gates
                            .filter((g) => g.outcome === "passed")
                            .map((g) => `${g.gate} passed (${g.detail})`)
                            .join(", ") || "no gate ran"
                    }`,
            ),
            ...(notVerified.length > 0 ? ["", "Not verified by this release:", ...notVerified.map((n) => `- ${n}`)] : []),
            "",
            [
                watched.length > 0 ? `Alerts keep watching ${watched.join(" and ")} (docs/monitoring.md).` : "",
                unwatched.length > 0 ? `Monitoring is OFF on ${unwatched.join(" and ")}: nobody is paged there.` : "",
            ]
                .filter(Boolean)
                .join(" "),
        ].join("\n"),
    };
}

/** A gate failed before anything changed (config, preview): nothing to roll back. */
export function stopped(stack: string, version: string, step: string, reason: string, untouched: string[]): Notification {
    return {
        kind: "failure",
        text: `⚠️ ${stack}: release ${version} stopped at ${step}, nothing was changed: ${reason}.${untouchedNote(untouched)}`,
    };
}

export function rollbackStarted(
    stack: string,
    version: string,
    step: string,
    reason: string,
    target: string,
    maintenance: boolean,
    untouched: string[],
): Notification {
    const why = step === MANUAL ? `manual rollback of ${version} (${reason})` : `${step} failed for ${version}: ${reason}`;
    return {
        kind: "rollback-started",
        text:
            `🔴 ${stack}: ${why}. Rolling back to ${target}` + `${maintenance ? "; maintenance page ON until it is healthy" : ""}.${untouchedNote(untouched)}`,
    };
}

/** The `failedStep` of a rollback started by hand. */
export const MANUAL = "manual";

export function rolledBack(stack: string, target: string, ms: number): Notification {
    return {
        kind: "rolled-back",
        text:
            `✅ ${stack}: rolled back to ${target} in ${formatDuration(ms)}; /health answers 200. ` +
            "Data was not rolled back: if the failed release changed or damaged data, restore it with `npm run db:restore` (docs/database.md).",
    };
}

export function rollbackFailed(stack: string, reason: string): Notification {
    return {
        kind: "rollback-failed",
        text: `❌ ${stack}: ROLLBACK FAILED: ${reason}. Manual action needed: \`npm run rollback -- ${stack}\` (docs/release.md).`,
    };
}

/** Something unexpected stopped the release after it touched a stack. */
export function stoppedUnexpectedly(stack: string, version: string, reason: string): Notification {
    return {
        kind: "failure",
        text:
            `❌ ${stack}: release ${version} stopped by an unexpected error: ${reason}. The state of ${stack} is unknown: ` +
            `check it, and roll back with \`npm run rollback -- ${stack}\` if needed (docs/release.md).`,
    };
}

function untouchedNote(untouched: string[]): string {
    return untouched.length > 0 ? ` ${untouched.join(", ")} ${untouched.length === 1 ? "was" : "were"} not touched.` : "";
}
