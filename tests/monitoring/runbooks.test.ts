/** Every alert has its runbook in docs/runbooks/<AlertName>.md, saying what to check and what to do. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runbookPath } from "../../components/monitoring/runbook";
import { alertRules } from "./rule-tests";
import { REPO_ROOT, stackRules } from "./stacks";

const SECTIONS = ["## What it means", "## What to check", "## What to do"];

/** The text of one `## ` section. */
function section(text: string, heading: string): string {
    const start = text.indexOf(`${heading}\n`);
    if (start < 0) return "";
    const next = text.indexOf("\n## ", start + heading.length);
    return text.slice(start + heading.length, next < 0 ? undefined : next);
}

describe("monitoring: runbooks", () => {
    let names: string[];
    before(async () => {
        names = [...new Set(alertRules((await stackRules("prod")).spec).map((r) => r.alert))];
    });

    it("exist for every alert, titled with its name, with the three sections", () => {
        for (const name of names) {
            const file = join(REPO_ROOT, runbookPath(name));
            assert.ok(existsSync(file), `${runbookPath(name)} is missing`);
            const text = readFileSync(file, "utf8");
            assert.ok(text.startsWith(`# ${name}\n`), `${name}: title`);
            for (const s of SECTIONS) assert.ok(section(text, s).trim().length > 40, `${name}: section "${s}" missing or empty`);
        }
    });

    it("give the on-call engineer commands to run when checking", () => {
        for (const name of names) {
            const check = section(readFileSync(join(REPO_ROOT, runbookPath(name)), "utf8"), "## What to check");
            assert.match(check, /```bash\n[\s\S]*?(kubectl|psql|curl|pulumi)[\s\S]*?```/, `${name}: no commands under "What to check"`);
        }
    });

    it("are not left over for alerts that no longer exist", () => {
        const files = readdirSync(join(REPO_ROOT, "docs", "runbooks"))
            .filter((f) => f.endsWith(".md"))
            .map((f) => f.replace(/\.md$/, ""));
        assert.deepEqual(
            files.filter((f) => !names.includes(f)),
            [],
        );
    });
});
