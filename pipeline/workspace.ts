/**
 * The program directory of a rollback: a git worktree of the target update's commit, made
 * runnable. Two things the commit alone does not bring:
 *   - dependencies: node_modules is linked from the repository when the lockfiles are the same,
 *     and installed with `npm ci` when they differ (the old program gets its own dependencies);
 *   - the stack file's encryption settings: Pulumi.<stack>.yaml is copied from the repository
 *     (its secretsprovider / encryptionsalt must be today's to decrypt the stack's secrets); the
 *     rollback then replaces its config with the target update's.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { GitOps } from "./git";

export interface ProgramDir {
    dir: string;
    /** How dependencies were provided. */
    dependencies: "linked" | "installed";
    cleanup(): Promise<void>;
}

/** Runs a command in a directory; replaced in tests. */
export type CommandRunner = (command: string, args: string[], cwd: string) => Promise<void>;

export const runCommand: CommandRunner = async (command, args, cwd) => {
    await promisify(execFile)(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
};

export async function prepareProgramDir(git: GitOps, commit: string, stack: string, runner: CommandRunner = runCommand): Promise<ProgramDir> {
    if (!(await git.hasCommit(commit))) {
        throw new Error(
            `commit ${commit} is not in this clone: fetch the full history (git fetch --unshallow, or actions/checkout with fetch-depth: 0) and run the rollback again`,
        );
    }
    const dir = await git.addWorktree(commit);
    const cleanup = () => git.removeWorktree(dir);
    try {
        const stackFile = `Pulumi.${stack}.yaml`;
        if (fs.existsSync(path.join(git.root, stackFile))) fs.copyFileSync(path.join(git.root, stackFile), path.join(dir, stackFile));
        const lock = (root: string) => {
            const file = path.join(root, "package-lock.json");
            return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        };
        const sameDependencies = lock(git.root) !== undefined && lock(git.root) === lock(dir) && fs.existsSync(path.join(git.root, "node_modules"));
        if (sameDependencies) {
            fs.symlinkSync(fs.realpathSync(path.join(git.root, "node_modules")), path.join(dir, "node_modules"), "dir");
            return { dir, dependencies: "linked", cleanup };
        }
        await runner("npm", ["ci", "--no-audit", "--no-fund"], dir);
        return { dir, dependencies: "installed", cleanup };
    } catch (e) {
        await cleanup().catch(() => undefined);
        throw e;
    }
}
