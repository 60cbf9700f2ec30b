/** Runs a command's real entry point (cli/<script>.ts) as `npm run <script>` does, collecting its output. */
import { spawn } from "child_process";
import { REPO_ROOT } from "../../cli/frame";

export interface CommandRun {
    code: number;
    stdout: string;
    stderr: string;
}

export function runCli(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; onStdout?: (chunk: string) => void } = {}): Promise<CommandRun> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", `cli/${script}.ts`, ...args], {
            cwd: REPO_ROOT,
            env: options.env ?? process.env,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
            stdout += d;
            options.onStdout?.(String(d));
        });
        child.stderr.on("data", (d) => {
            stderr += d;
        });
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}
