import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalGit } from "../../pipeline/git";
import { prepareProgramDir } from "../../pipeline/workspace";

describe("git worktree of an earlier program, on a real temporary repository", () => {
    let root: string;
    let git: LocalGit;
    let first: string;
    const sh = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-git-"));
        sh("init", "-q", "-b", "main");
        sh("config", "user.email", "t@test.invalid");
        sh("config", "user.name", "t");
        fs.writeFileSync(path.join(root, ".gitignore"), "node_modules\n");
        fs.writeFileSync(path.join(root, "package-lock.json"), "{}");
        fs.writeFileSync(path.join(root, "program.ts"), "v1\n");
        fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), "config: {}\n");
        sh("add", "-A");
        sh("commit", "-qm", "one");
        first = sh("rev-parse", "HEAD");
        fs.writeFileSync(path.join(root, "program.ts"), "v2\n");
        sh("commit", "-qam", "two");
        fs.mkdirSync(path.join(root, "node_modules"));
        git = new LocalGit(root);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("reports HEAD and uncommitted program changes, but not the stack files the pipeline writes", async () => {
        assert.equal(await git.head(), sh("rev-parse", "HEAD"));
        assert.deepEqual(await git.uncommittedChanges(), []);
        fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), "config: {ologywood:imageTag: 1.4.2}\n");
        assert.deepEqual(await git.uncommittedChanges(), []);
        fs.writeFileSync(path.join(root, "program.ts"), "edited\n");
        fs.writeFileSync(path.join(root, "new.ts"), "\n");
        assert.deepEqual((await git.uncommittedChanges()).sort(), ["new.ts", "program.ts"]);
    });

    it("checks the earlier commit out with today's stack file and linked dependencies, and removes it", async () => {
        fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), "encryptionsalt: today\n");
        const dir = await prepareProgramDir(git, first, "staging");
        assert.equal(fs.readFileSync(path.join(dir.dir, "program.ts"), "utf8"), "v1\n");
        assert.equal(fs.readFileSync(path.join(dir.dir, "Pulumi.staging.yaml"), "utf8"), "encryptionsalt: today\n");
        assert.equal(dir.dependencies, "linked");
        assert.equal(fs.realpathSync(path.join(dir.dir, "node_modules")), fs.realpathSync(path.join(root, "node_modules")));
        await dir.cleanup();
        assert.ok(!fs.existsSync(dir.dir));
        assert.doesNotMatch(sh("worktree", "list"), new RegExp(path.basename(dir.dir)));
    });

    it("runs npm ci in the worktree when the lockfile differs", async () => {
        fs.writeFileSync(path.join(root, "package-lock.json"), '{"changed":true}');
        sh("commit", "-qam", "deps");
        const runs: string[] = [];
        const dir = await prepareProgramDir(git, first, "staging", async (cmd, args, cwd) => {
            runs.push(`${cmd} ${args.join(" ")} @ ${cwd}`);
        });
        assert.equal(dir.dependencies, "installed");
        assert.deepEqual(runs, [`npm ci --no-audit --no-fund @ ${dir.dir}`]);
        await dir.cleanup();
    });

    it("says how to fix a commit missing from a shallow clone", async () => {
        await assert.rejects(prepareProgramDir(git, "f".repeat(40), "staging"), /not in this clone: fetch the full history \(git fetch --unshallow/);
    });
});
