/**
 * The git operations of a release and a rollback, behind a small interface: the commit of the
 * program being deployed (recorded with every update), and a worktree of an earlier commit to
 * run a rollback's program from. The real implementation runs `git`; the tests use it on a
 * temporary repository.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

export interface GitOps {
    /** The repository's root directory. */
    readonly root: string;
    /** Full sha of HEAD. */
    head(): Promise<string>;
    /**
     * Files changed against HEAD (staged, unstaged, untracked), except the stack files
     * Pulumi.<stack>.yaml: the pipeline itself writes config there, and every update records its
     * config anyway.
     */
    uncommittedChanges(): Promise<string[]>;
    /** The commit exists in this clone. */
    hasCommit(commit: string): Promise<boolean>;
    /** Checks `commit` out into a new worktree (detached) and returns its path. */
    addWorktree(commit: string): Promise<string>;
    removeWorktree(dir: string): Promise<void>;
}

export class LocalGit implements GitOps {
    constructor(readonly root: string) {}

    async head(): Promise<string> {
        return (await this.git("rev-parse", "HEAD")).trim();
    }

    async uncommittedChanges(): Promise<string[]> {
        const out = await this.git("status", "--porcelain", "--untracked-files=all");
        return out
            .split("\n")
            .filter(Boolean)
            .map((line) => line.slice(3).replace(/^.* -> /, ""))
            .filter((file) => !/^Pulumi\.[^/]+\.yaml$/.test(file) && file !== "node_modules");
    }

    async hasCommit(commit: string): Promise<boolean> {
        try {
            await this.git("cat-file", "-e", `${commit}^{commit}`);
            return true;
        } catch {
            return false;
        }
    }

    async addWorktree(commit: string): Promise<string> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ologywood-rollback-${commit.slice(0, 12)}-`));
        fs.rmdirSync(dir); // git wants to create it
        await this.git("worktree", "add", "--detach", dir, commit);
        return dir;
    }

    async removeWorktree(dir: string): Promise<void> {
        await this.git("worktree", "remove", "--force", dir);
    }

    private async git(...args: string[]): Promise<string> {
        try {
            return (await run("git", args, { cwd: this.root, maxBuffer: 16 * 1024 * 1024 })).stdout;
        } catch (e) {
            const err = e as Error & { stderr?: string; code?: string };
            if (err.code === "ENOENT") throw new Error("git is required for releases and rollbacks and was not found on PATH", { cause: e });
            throw new Error(`git ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`, { cause: e });
        }
    }
}
