/**
 * Where the monitoring code lives: the metric contract is a top-level module that the components,
 * the release pipeline and the benchmarks import alike; promtool is test tooling, not part of the
 * deployed component.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "./stacks";

const CONTRACT = join(REPO_ROOT, "metrics", "contract.ts");

/** Every .ts file under a folder of the repository. */
function sources(dir: string): string[] {
    return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
        const path = join(REPO_ROOT, dir, name);
        if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sources(relative(REPO_ROOT, path));
        return path.endsWith(".ts") ? [path] : [];
    });
}

/** The files a source imports with a relative path, resolved to absolute paths without extension. */
function relativeImports(file: string): string[] {
    return [...readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)].map((m) => resolve(dirname(file), m[1]));
}

describe("monitoring: where the contract and the test tooling live", () => {
    it("keeps the metric contract in metrics/contract.ts, imported from there by components, pipeline and bench", () => {
        assert.ok(existsSync(CONTRACT), "metrics/contract.ts is missing");
        assert.ok(!existsSync(join(REPO_ROOT, "components", "monitoring", "contract.ts")), "components/monitoring/contract.ts is still there");
        const importers = new Set<string>();
        for (const area of ["components", "pipeline", "bench", "tests"]) {
            for (const file of sources(area)) {
                if (relativeImports(file).includes(CONTRACT.replace(/\.ts$/, ""))) importers.add(area);
            }
        }
        assert.deepEqual([...importers].sort(), ["bench", "components", "pipeline", "tests"]);
    });

    it("keeps promtool out of the deployed component: tests/support/promtool.ts", () => {
        assert.ok(existsSync(join(REPO_ROOT, "tests", "support", "promtool.ts")));
        const promtoolUsers = sources("components").filter((f) => /promtool/.test(readFileSync(f, "utf8")) && /child_process/.test(readFileSync(f, "utf8")));
        assert.deepEqual(
            promtoolUsers.map((f) => relative(REPO_ROOT, f)),
            [],
        );
    });
});
