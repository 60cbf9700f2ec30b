/**
 * The import boundaries of eslint.config.mjs hold: the rules are checked here on code that breaks
 * them, so a rule that stopped matching (a renamed folder, a changed pattern) fails a test.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { REPO_ROOT } from "../../cli/frame";

async function lint(file: string, code: string): Promise<string[]> {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("lint boundaries (eslint.config.mjs)", function () {
    this.timeout(120_000);

    it("product code never imports tests", async () => {
        const messages = await lint("pipeline/example.ts", 'import { World } from "../tests/support/standins/world";\nexport const w = World;\n');
        assert.ok(
            messages.some((m) => /no-restricted-imports: .*product code never imports tests/.test(m)),
            messages.join("\n"),
        );
    });

    it("components never import the pipeline or the commands", async () => {
        const messages = await lint(
            "components/api/example.ts",
            'import { runRelease } from "../../pipeline/release";\nimport { EXIT } from "../../cli/frame";\nexport const x = [runRelease, EXIT];\n',
        );
        assert.equal(messages.filter((m) => /components never import the pipeline or the commands/.test(m)).length, 2, messages.join("\n"));
    });

    it("components take config values through their Args: only types may be imported from config", async () => {
        const value = await lint("components/api/example.ts", 'import { MAILPIT_IMAGE } from "../../config/release";\nexport const x = MAILPIT_IMAGE;\n');
        assert.ok(
            value.some((m) => /import config types only/.test(m)),
            value.join("\n"),
        );
        const type = await lint("components/api/example.ts", 'import type { OlogywoodConfig } from "../../config/schema";\nexport type X = OlogywoodConfig;\n');
        assert.deepEqual(type, []);
    });

    it("tests and benchmarks may import test support", async () => {
        assert.deepEqual(await lint("bench/example.ts", 'import { World } from "../tests/support/standins/world";\nexport const w = World;\n'), []);
    });
});
