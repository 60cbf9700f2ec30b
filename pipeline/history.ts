/**
 * Reading a stack's update history for rollback, as Pulumi documents it: a rollback is an `up`
 * with the program and the config of an earlier successful update. Pulumi keeps each update's
 * config; the program is ours to record. Every `up` the pipeline runs names the git commit of its
 * program in the update message (`release 1.4.2 (commit <sha>)`), the record that always survives
 * in `pulumi stack history`; it also passes it to the program as OLOGYWOOD_GIT_COMMIT (read back
 * when a history entry's environment carries it), and Pulumi itself records `git.head` (with
 * `git.dirty`) in the update's environment for a program run from a git checkout.
 */
import { ConfigMap, UpdateRecord } from "./drivers/driver";
import { configKey } from "./stack-config";

/** Environment variable recording the program's commit (also visible to the program). */
export const COMMIT_ENV = "OLOGYWOOD_GIT_COMMIT";

const SHA = /^[0-9a-f]{7,40}$/;

export function releaseMessage(imageTag: string, commit: string): string {
    return `release ${imageTag} (commit ${commit})`;
}

export function rollbackMessage(target: UpdateRecord, commit: string, note = ""): string {
    return `rollback to update #${target.version}${imageTagOf(target.config) ? ` (release ${imageTagOf(target.config)})` : ""} (commit ${commit})${note ? ` ${note}` : ""}`;
}

/** The program commit an update ran, or why it is unknown. */
export function recordedCommit(update: UpdateRecord): { commit: string } | { why: string } {
    const inMessage = /\(commit ([0-9a-f]{7,40})(\+dirty)?\)/.exec(update.message);
    if (inMessage?.[2]) return { why: "its program had uncommitted changes (+dirty): it cannot be checked out again" };
    if (inMessage) return { commit: inMessage[1] };
    const recorded = update.environment[COMMIT_ENV];
    if (recorded && SHA.test(recorded)) return { commit: recorded };
    const head = update.environment["git.head"];
    if (head && SHA.test(head)) {
        return update.environment["git.dirty"] === "true" ? { why: `its program (git.head ${head.slice(0, 12)}) had uncommitted changes` } : { commit: head };
    }
    return { why: "no program commit recorded (message, OLOGYWOOD_GIT_COMMIT or git.head)" };
}

/**
 * `pulumi stack history` with a self-managed backend (file://, s3://, ...) reports version 0 for
 * every update (seen in the rehearsal, CLI v3.276.0): only Pulumi Cloud numbers them. Rollback
 * targets and `--to 41` need numbers, so such a history is numbered by position, oldest = 1, as
 * Pulumi Cloud counts. A history that carries its own distinct numbers is left as it is.
 * Newest first, as `pulumi stack history` returns it.
 */
export function numberHistory<T extends { version?: number }>(history: T[]): (T & { version: number })[] {
    const numbers = history.map((h) => h.version);
    const numbered = numbers.every((v) => Number.isInteger(v) && v! > 0) && new Set(numbers).size === numbers.length;
    return history.map((h, i) => ({ ...h, version: numbered ? h.version! : history.length - i }));
}

export function imageTagOf(config: ConfigMap): string | undefined {
    return config[configKey("imageTag")]?.value;
}

function flagOf(config: ConfigMap, key: string): boolean {
    return config[configKey(key)]?.value === "true";
}

/** `update #41 (release 1.4.1, commit 0a1b2c3d4e5f)` */
export function describeUpdate(update: UpdateRecord): string {
    const found = recordedCommit(update);
    const tag = imageTagOf(update.config);
    const parts = [tag ? `release ${tag}` : undefined, "commit" in found ? `commit ${found.commit.slice(0, 12)}` : undefined].filter(Boolean);
    return `update #${update.version}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

export interface TargetChoice {
    target?: UpdateRecord;
    commit?: string;
    /** Newer candidates passed over, with the reason. */
    skipped: { update: UpdateRecord; reason: string }[];
    /** Why there is no target. */
    error?: string;
}

export type TargetRequest =
    /** Automatic: the last good state before the failed release, whose first update came after `upTo`. */
    | { kind: "before-release"; upTo: number }
    /** Manual, no --to: the last good state that differs from what runs now. */
    | { kind: "previous" }
    /** Manual --to: an update number (`41`, `#41`) or a released version (`1.4.1`). */
    | { kind: "to"; to: string };

/**
 * Picks the update to return to. Only succeeded updates qualify, with a program commit that can
 * be checked out, outside a maintenance window or a paused restore (neither is a state to return
 * to). History is newest first.
 */
export function chooseRollbackTarget(history: UpdateRecord[], request: TargetRequest): TargetChoice {
    const updates = history.filter((h) => h.kind === "update");
    const skipped: TargetChoice["skipped"] = [];
    const eligible = (u: UpdateRecord): string | undefined => {
        if (u.result !== "succeeded") return `it ${u.result === "failed" ? "failed" : `is ${u.result}`}`;
        const found = recordedCommit(u);
        if ("why" in found) return found.why;
        if (flagOf(u.config, "maintenance")) return "it ran with the maintenance page on";
        if (flagOf(u.config, "paused")) return "it ran paused (a database restore)";
        return undefined;
    };
    const take = (u: UpdateRecord): TargetChoice => ({ target: u, commit: (recordedCommit(u) as { commit: string }).commit, skipped });

    if (request.kind === "to") {
        const number = /^#?(\d+)$/.exec(request.to.trim());
        if (number) {
            const u = updates.find((h) => h.version === Number(number[1]));
            if (!u) return { skipped, error: `there is no update #${number[1]} in the stack's history` };
            const why = eligible(u);
            return why ? { skipped, error: `update #${u.version} cannot be returned to: ${why}` } : take(u);
        }
        const wanted = request.to.trim().replace(/^v/, "");
        const matching = updates.filter((u) => imageTagOf(u.config)?.replace(/^v/, "") === wanted);
        if (matching.length === 0) return { skipped, error: `no update in the stack's history deployed version ${request.to}` };
        for (const u of matching) {
            const why = eligible(u);
            if (!why) return take(u);
            skipped.push({ update: u, reason: why });
        }
        return {
            skipped,
            error: `no update of version ${request.to} can be returned to (${skipped.map((s) => `#${s.update.version}: ${s.reason}`).join("; ")})`,
        };
    }

    let candidates: UpdateRecord[];
    if (request.kind === "before-release") {
        candidates = updates.filter((u) => u.version <= request.upTo);
    } else {
        const current = updates[0];
        if (!current) return { skipped, error: "the stack has no update in its history" };
        const key = (u: UpdateRecord) => `${imageTagOf(u.config)}@${"commit" in recordedCommit(u) ? (recordedCommit(u) as { commit: string }).commit : "?"}`;
        candidates = updates.slice(1).filter((u) => {
            if (key(u) !== key(current)) return true;
            skipped.push({ update: u, reason: "it runs the same version and program as now" });
            return false;
        });
    }
    for (const u of candidates) {
        const why = eligible(u);
        if (!why) return take(u);
        skipped.push({ update: u, reason: why });
    }
    return { skipped, error: "no earlier successful update with a recorded program commit to return to" };
}
