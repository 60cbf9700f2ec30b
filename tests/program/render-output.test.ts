/**
 * `npm run render -- <stack> --out DIR` never deletes or overwrites what it did not write: DIR
 * must be absent, empty or an earlier render. Each case runs the real CLI in a child process.
 */
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = path.join(REPO, "cli", "render.ts");

function runRender(args: string[], cwd = REPO): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", require.resolve("ts-node/register/transpile-only"), CLI, ...args],
            { cwd, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") } },
            (error, stdout, stderr) => resolve({ code: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

/** Every file under a folder with its contents, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
    const result: Record<string, string> = {};
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else result[path.relative(dir, p)] = fs.readFileSync(p, "latin1");
        }
    };
    walk(dir);
    return result;
}

describe("npm run render --out: never over what it did not write", function () {
    this.timeout(300_000);
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-out-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("refuses a folder holding someone else's file, and leaves it as it was", async () => {
        const out = path.join(tmp, "deploy");
        fs.mkdirSync(out);
        fs.writeFileSync(path.join(out, "notes.md"), "my notes\n");
        const before = snapshot(out);
        const result = await runRender(["staging", "--out", out]);
        assert.strictEqual(result.code, 2, result.stderr);
        assert.match(result.stderr, /is not empty and was not written by npm run render \(it holds notes\.md\): refusing to write into it/);
        assert.deepStrictEqual(snapshot(out), before);
        assert.deepStrictEqual(fs.readdirSync(tmp), ["deploy"], "nothing written beside it");
    });

    it("refuses a plain file, which keeps its contents", async () => {
        const out = path.join(tmp, "notes.txt");
        fs.writeFileSync(out, "keep me\n");
        const result = await runRender(["prod", "--out", out]);
        assert.strictEqual(result.code, 2, result.stderr);
        assert.match(result.stderr, /notes\.txt is a file, not a folder: refusing to replace it/);
        assert.strictEqual(fs.readFileSync(out, "utf8"), "keep me\n");
        assert.deepStrictEqual(fs.readdirSync(tmp), ["notes.txt"]);
    });

    it("refuses `--out .` in a clone of the repository, which stays whole (.git included)", async () => {
        const clone = path.join(tmp, "clone");
        execFileSync("git", ["clone", "--quiet", "--local", "--no-hardlinks", REPO, clone]);
        const before = snapshot(clone);
        const result = await runRender(["staging", "--out", "."], clone);
        assert.strictEqual(result.code, 2, result.stderr);
        assert.match(result.stderr, /--out \. is not empty and was not written by npm run render/);
        assert.deepStrictEqual(snapshot(clone), before);
        assert.strictEqual(execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" }), "");
    });

    it("refuses before running the program: the answer comes without a render", async () => {
        const out = path.join(tmp, "busy");
        fs.mkdirSync(out);
        fs.writeFileSync(path.join(out, "x"), "");
        const result = await runRender(["prod", "--out", out]);
        assert.strictEqual(result.code, 2);
        assert.doesNotMatch(result.stdout, /Rendered stack/);
    });

    it("re-renders over an earlier render, replacing only its own files", async () => {
        const out = path.join(tmp, "render");
        assert.strictEqual((await runRender(["staging", "--out", out])).code, 0);
        fs.writeFileSync(path.join(out, "review-notes.md"), "looked fine\n");
        const second = await runRender(["staging", "--out", out, "--set", "api.maxReplicas=7"]);
        assert.strictEqual(second.code, 0, second.stderr);
        assert.match(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"), /maxReplicas: 7\n/);
        assert.strictEqual(fs.readFileSync(path.join(out, "review-notes.md"), "utf8"), "looked fine\n");
        assert.deepStrictEqual(fs.readdirSync(out).sort(), [".ologywood-output", "manifests.yaml", "resources.json", "review-notes.md"]);
    });

    it("writes into an empty folder, and creates missing parents", async () => {
        const empty = path.join(tmp, "empty");
        fs.mkdirSync(empty);
        assert.strictEqual((await runRender(["prod", "--out", empty])).code, 0);
        assert.ok(fs.existsSync(path.join(empty, "manifests.yaml")));
        const deep = path.join(tmp, "a", "b", "c");
        assert.strictEqual((await runRender(["prod", "--out", deep])).code, 0);
        assert.ok(fs.existsSync(path.join(deep, "resources.json")));
    });

    it("says in one line when the folder cannot be made, without a stack trace", async () => {
        const file = path.join(tmp, "plain");
        fs.writeFileSync(file, "");
        const underFile = await runRender(["prod", "--out", path.join(file, "x")]);
        assert.strictEqual(underFile.code, 2, underFile.stderr);
        assert.match(underFile.stderr, /plain is a file, not a folder/);
        // /proc takes no new folders, not even from root: the write itself fails.
        const unwritable = await runRender(["prod", "--out", "/proc/ologywood-render-test"]);
        assert.ok([1, 2].includes(unwritable.code), unwritable.stderr);
        assert.match(
            unwritable.stderr,
            /render: error: (cannot create \/proc\/ologywood-render-test: ENOENT|--out \/proc\/ologywood-render-test: \/proc is not writable)/,
        );
        assert.doesNotMatch(unwritable.stderr, /\n\s+at /, "no stack trace");
        assert.doesNotMatch(unwritable.stderr, /\.tmp/, "no internal temporary names");
    });
});
