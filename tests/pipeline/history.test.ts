import { strict as assert } from "assert";
import { ConfigMap, UpdateRecord } from "../../pipeline/drivers/driver";
import { chooseRollbackTarget, describeUpdate, numberHistory, recordedCommit, releaseMessage } from "../../pipeline/history";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

let version = 0;
function update(tag: string, commit: string | undefined, extra: Partial<UpdateRecord> & { flags?: Record<string, string> } = {}): UpdateRecord {
    const config: ConfigMap = { "ologywood:imageTag": { value: tag } };
    for (const [k, v] of Object.entries(extra.flags ?? {})) config[`ologywood:${k}`] = { value: v };
    return {
        version: ++version,
        kind: "update",
        result: "succeeded",
        startTime: new Date(),
        message: commit ? releaseMessage(tag, commit) : "",
        environment: {},
        config,
        ...extra,
    };
}
/** Oldest first in the call, newest first in the result, as `pulumi stack history`. */
const history = (...updates: UpdateRecord[]) => updates.reverse();

describe("rollback target: the last good update, with a program that can be checked out", () => {
    beforeEach(() => {
        version = 0;
    });

    it("reads the program's commit from the message, OLOGYWOOD_GIT_COMMIT, or Pulumi's git.head (when not dirty)", () => {
        assert.deepEqual(recordedCommit(update("1.0.0", A)), { commit: A });
        assert.deepEqual(recordedCommit(update("1.0.0", undefined, { environment: { OLOGYWOOD_GIT_COMMIT: B } })), { commit: B });
        assert.deepEqual(recordedCommit(update("1.0.0", undefined, { environment: { "git.head": C, "git.dirty": "false" } })), { commit: C });
        assert.match(
            (recordedCommit(update("1.0.0", undefined, { environment: { "git.head": C, "git.dirty": "true" } })) as { why: string }).why,
            /uncommitted changes/,
        );
        assert.match((recordedCommit(update("1.0.0", undefined, { message: `release 1.0.0 (commit ${A}+dirty)` })) as { why: string }).why, /\+dirty/);
        assert.match((recordedCommit(update("1.0.0", undefined)) as { why: string }).why, /no program commit recorded/);
    });

    it("automatic: the newest good update at or before the release's start, passing over failed, dirty, maintenance and paused ones", () => {
        const h = history(
            update("1.4.0", A),
            update("1.4.1", B),
            update("1.4.1", B, { flags: { maintenance: "true" }, message: "maintenance on", environment: { OLOGYWOOD_GIT_COMMIT: B } }),
            update("1.4.1", B, { flags: { paused: "true" }, message: "db:restore", environment: { OLOGYWOOD_GIT_COMMIT: B } }),
            update("1.4.1", undefined, { message: `release 1.4.1 (commit ${B}+dirty)` }),
            update("1.4.2", C, { result: "failed" }),
            update("1.4.2", C),
        );
        const choice = chooseRollbackTarget(h, { kind: "before-release", upTo: 6 });
        assert.equal(choice.target?.version, 2);
        assert.equal(choice.commit, B);
        assert.deepEqual(
            choice.skipped.map((s) => s.update.version),
            [6, 5, 4, 3],
        );
        assert.match(choice.skipped.map((s) => s.reason).join("|"), /failed\|.*\+dirty.*\|it ran paused.*\|it ran with the maintenance page on/);
    });

    it("manual: the newest good update that runs another version or program than now", () => {
        const h = history(update("1.4.1", A), update("1.4.2", B), update("1.4.2", B, { message: "maintenance off", environment: { OLOGYWOOD_GIT_COMMIT: B } }));
        const choice = chooseRollbackTarget(h, { kind: "previous" });
        assert.equal(choice.target?.version, 1);
        assert.match(choice.skipped[0].reason, /same version and program/);
    });

    it("--to an update number or a version, and clear errors for the impossible ones", () => {
        const h = history(update("1.4.0", A), update("1.4.1", B, { result: "failed" }), update("v1.4.1", B), update("1.4.2", C));
        assert.equal(chooseRollbackTarget(h, { kind: "to", to: "#1" }).target?.version, 1);
        assert.equal(chooseRollbackTarget(h, { kind: "to", to: "1" }).target?.version, 1);
        assert.equal(chooseRollbackTarget(h, { kind: "to", to: "1.4.1" }).target?.version, 3, "v-prefixed tags match too, failed updates are passed over");
        assert.match(chooseRollbackTarget(h, { kind: "to", to: "2" }).error!, /update #2 cannot be returned to: it failed/);
        assert.match(chooseRollbackTarget(h, { kind: "to", to: "99" }).error!, /no update #99/);
        assert.match(chooseRollbackTarget(h, { kind: "to", to: "9.9.9" }).error!, /no update in the stack's history deployed version 9\.9\.9/);
    });

    it("has no target on a stack's first release", () => {
        assert.match(
            chooseRollbackTarget(history(update("1.0.0", A, { result: "failed" })), { kind: "before-release", upTo: 0 }).error!,
            /no earlier successful update/,
        );
        assert.match(chooseRollbackTarget([], { kind: "previous" }).error!, /no update in its history/);
    });

    it("names updates for people", () => {
        assert.equal(describeUpdate(update("1.4.1", A)), `update #1 (release 1.4.1, commit ${A.slice(0, 12)})`);
    });
});

describe("history numbers: a self-managed backend reports version 0 for every update", () => {
    // What `pulumi stack history --json` returned for prod with a file:// backend in the rehearsal.
    const fileBackend = (): UpdateRecord[] => [
        { ...update("1.2.0", B), version: 0 },
        { ...update("1.1.0", A), version: 0 },
    ];

    it("numbers such a history by position, oldest = 1, and keeps a history that has its own numbers", () => {
        assert.deepEqual(
            numberHistory(fileBackend()).map((h) => h.version),
            [2, 1],
        );
        assert.deepEqual(
            numberHistory([{ version: 41 }, { version: 40 }]).map((h) => h.version),
            [41, 40],
        );
        assert.deepEqual(
            numberHistory([{ version: 3 }, { version: 3 }]).map((h) => h.version),
            [2, 1],
        );
        assert.deepEqual(numberHistory([]), []);
    });

    it("the automatic rollback after a failed release returns to the update before it, not to the failed release", () => {
        // The release noted the newest update before it started (then #1), as release-stack.ts does.
        const before = numberHistory(fileBackend().slice(1))[0].version;
        const choice = chooseRollbackTarget(numberHistory(fileBackend()), { kind: "before-release", upTo: before });
        assert.equal(choice.commit, A);
        assert.equal(describeUpdate(choice.target!), `update #1 (release 1.1.0, commit ${A.slice(0, 12)})`);
        // Unnumbered, the failed release itself was chosen: the bug the rehearsal found.
        assert.equal(chooseRollbackTarget(fileBackend(), { kind: "before-release", upTo: 0 }).commit, B);
    });
});
