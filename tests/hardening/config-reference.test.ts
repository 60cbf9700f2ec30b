/**
 * docs/config-reference.md is generated from the config schema and its doc comments
 * (`npm run docs:config`); these tests keep it in sync and check that it says the right things.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT, SECRET_PATHS, parseConfig } from "../../config/load";
import { REFERENCE_FILE, REGENERATE_COMMAND, ReferenceRow, generateReference, referenceRows, undocumentedKeys } from "../../config/reference";
import { readStackConfig } from "../../render/stack-file";

const REPO = path.resolve(__dirname, "..", "..");

/** Every dotted key path of a nested config object, sections included. */
function keyPaths(obj: Record<string, unknown>, prefix: string[] = []): string[] {
    return Object.entries(obj).flatMap(([k, v]) => {
        const p = [...prefix, k];
        return v && typeof v === "object" && !Array.isArray(v) ? [p.join("."), ...keyPaths(v as Record<string, unknown>, p)] : [p.join(".")];
    });
}

describe("config reference (docs/config-reference.md)", function () {
    let rows: ReferenceRow[];
    const row = (key: string) => {
        const r = rows.find((x) => x.key === key);
        assert.ok(r, `no row for ${key}`);
        return r;
    };

    before(function () {
        rows = referenceRows();
    });

    it("is up to date with config/*.ts", function () {
        const committed = fs.existsSync(REFERENCE_FILE) ? fs.readFileSync(REFERENCE_FILE, "utf8") : "";
        const fresh = generateReference();
        if (committed !== fresh) {
            const a = committed.split("\n");
            const b = fresh.split("\n");
            const i = b.findIndex((line, n) => line !== a[n]);
            assert.fail(
                `docs/config-reference.md is out of date: run \`${REGENERATE_COMMAND}\` and commit the result\n` +
                    `first difference at line ${i + 1}:\n  committed: ${a[i] ?? "(end of file)"}\n  generated: ${b[i] ?? "(end of file)"}`,
            );
        }
    });

    it("documents every key of both stack files", function () {
        for (const stack of ["staging", "prod"]) {
            const { raw } = readStackConfig(REPO, stack);
            for (const key of keyPaths(raw)) {
                if (rows.some((r) => r.key === key)) continue;
                // Map-valued keys (app.env, ruleSelectorLabels) hold names of the user's choosing.
                const map = rows.find((r) => key.startsWith(`${r.key}.`) && r.expected.startsWith("a map"));
                assert.ok(map, `Pulumi.${stack}.yaml sets ${PROJECT}:${key}, which the reference does not list`);
            }
        }
    });

    it("gives every key a description (a doc comment in config/*.ts)", function () {
        assert.deepEqual(undocumentedKeys(rows), [], "add a /** doc comment */ above these keys, then run " + REGENERATE_COMMAND);
    });

    it("marks exactly the secret keys as secret", function () {
        assert.deepEqual(
            rows
                .filter((r) => r.secret)
                .map((r) => r.key)
                .sort(),
            [...SECRET_PATHS].sort(),
        );
        assert.ok(SECRET_PATHS.includes("db.adminPassword") && SECRET_PATHS.includes("smtp.password") && SECRET_PATHS.includes("slack.webhookUrl"));
    });

    it("shows defaults and whether a key is required", function () {
        assert.equal(row("db.port").default, "5432");
        assert.equal(row("backup.schedule").default, '"0 2 * * *"');
        assert.equal(row("worker.command").default, '["node","dist/worker.js"]');
        assert.equal(row("api.resources.limits.memory").default, '"512Mi"');
        assert.equal(row("imageTag").required, true);
        assert.equal(row("imageTag").default, undefined);
        assert.equal(row("api.command").required, false, "optional keys are not required");
        assert.equal(row("backup").required, false, "sections with defaults are not required");
        assert.equal(row("db").required, true);
    });

    it("takes descriptions from doc comments, through section files and schema helpers", function () {
        assert.equal(row("imageTag").description, "Image tag to deploy: a semver or a git sha. Never `latest`: a rollback needs a fixed version.");
        assert.equal(row("db.host").description, "Host name of the PostgreSQL server.");
        assert.match(row("api.resources.limits").description, /The most each pod may use/);
        assert.match(row("email.heartbeat.file").description, /File the process touches/);
    });

    it("says what is expected in the words the config errors use", function () {
        const cases: [string, Record<string, unknown>][] = [
            ["api.replicas", { api: { replicas: "many" } }],
            ["db.cidr", { db: { cidr: "10.0.0.0" } }],
            ["backup.schedule", { backup: { schedule: "daily" } }],
            ["maintenance", { maintenance: "yes" }],
        ];
        for (const [key, raw] of cases) {
            const parsed = parseConfig(raw);
            assert.ok(!parsed.ok);
            const problem = parsed.problems.find((p) => p.key === `${PROJECT}:${key}`);
            assert.ok(problem, `no problem reported for ${key}`);
            assert.ok(
                problem.message.includes(`expected ${row(key).expected}`),
                `${key}: reference says "${row(key).expected}", the error says "${problem.message}"`,
            );
        }
    });
});
