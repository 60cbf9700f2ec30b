/**
 * The real StackDriver: a thin layer over the Pulumi Automation API. Decisions live in the
 * commands that use it (and are tested with FakeDriver); this file only translates calls.
 */
import { spawnSync } from "child_process";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ConfigMap, ConfigValue, StackDriver, OutputValue, PreviewResult, RunOptions, UpResult, UpdateRecord } from "./driver";
import { REPO_ROOT } from "../../cli/frame";
import { ProgramRunner, chooseProgramRunner, inProcessProgram } from "./program-runner";
import { explainPulumiError } from "./pulumi-errors";
import { numberHistory } from "../history";
import { configWrites } from "./config-writes";
import { PROJECT } from "../../config/load";

export class PulumiCliMissingError extends Error {
    constructor(detail: string) {
        super(
            `the Pulumi CLI is required for this command and was not found (${detail}).\n` +
                "  Install it (https://www.pulumi.com/docs/install/), log in to the stack's backend with `pulumi login`,\n" +
                "  and run the command again. Nothing was changed.\n" +
                "  Without the CLI you can still render a stack offline: npm run render -- <stack>",
        );
        this.name = "PulumiCliMissingError";
    }
}

/** Fails at once, before any work, when `pulumi` cannot be run. */
export function assertPulumiCli(command = process.env.PULUMI_COMMAND ?? "pulumi"): void {
    const probe = spawnSync(command, ["version"], { encoding: "utf8", timeout: 15_000 });
    if (probe.error) {
        const code = (probe.error as NodeJS.ErrnoException).code;
        throw new PulumiCliMissingError(code === "ENOENT" ? `\`${command}\` is not on PATH` : probe.error.message);
    }
    if (probe.status !== 0) throw new PulumiCliMissingError(`\`${command} version\` exited ${probe.status}: ${probe.stderr.trim()}`);
}

export class AutomationDriver implements StackDriver {
    private constructor(
        private readonly programDir: string,
        readonly runner: { runner: ProgramRunner; why: string },
    ) {}

    /**
     * A driver of the program in `programDir`; checks for the CLI first, so a missing CLI stops
     * the command before it touches anything. The program runs in the CLI's language host, or
     * in this process where the CLI has none (program-runner.ts).
     */
    static create(programDir = REPO_ROOT): AutomationDriver {
        assertPulumiCli();
        return new AutomationDriver(programDir, chooseProgramRunner());
    }

    async preview(stack: string, options: RunOptions = {}): Promise<PreviewResult> {
        return this.explained("preview", stack, async () => {
            const s = await this.select(stack, options);
            const result = await s.preview({ message: options.message, onOutput: lines(options.onOutput) });
            return { changeSummary: { ...result.changeSummary } as Record<string, number> };
        });
    }

    async up(stack: string, options: RunOptions = {}): Promise<UpResult> {
        return this.explained("up", stack, async () => {
            const s = await this.select(stack, options);
            const result = await s.up({ message: options.message, onOutput: lines(options.onOutput) });
            return {
                changeSummary: { ...(result.summary.resourceChanges ?? {}) } as Record<string, number>,
                outputs: toOutputs(result.outputs),
            };
        });
    }

    async history(stack: string): Promise<UpdateRecord[]> {
        return this.explained("stack history", stack, () => this.readHistory(stack));
    }

    private async readHistory(stack: string): Promise<UpdateRecord[]> {
        const s = await this.select(stack);
        const entries = numberHistory(await s.history(undefined, undefined, true));
        return entries.map((h) => ({
            version: h.version,
            kind: h.kind,
            result: h.result,
            startTime: h.startTime,
            endTime: h.endTime,
            message: h.message,
            environment: h.environment ?? {},
            config: (h.config ?? {}) as ConfigMap,
        }));
    }

    async getAllConfig(stack: string): Promise<ConfigMap> {
        return this.explained("config", stack, async () => (await (await this.select(stack)).getAllConfig()) as ConfigMap);
    }

    async setConfig(stack: string, key: string, value: ConfigValue, options: { path?: boolean } = {}): Promise<void> {
        await this.explained("config set", stack, async () => (await this.select(stack)).setConfig(key, value, options.path));
    }

    async removeConfig(stack: string, key: string, options: { path?: boolean } = {}): Promise<void> {
        await this.explained("config rm", stack, async () => (await this.select(stack)).removeConfig(key, options.path));
    }

    async setAllConfig(stack: string, config: ConfigMap): Promise<void> {
        await this.explained("config set-all", stack, async () => {
            const s = await this.select(stack);
            // setAllConfig adds and overwrites; keys absent from the target config must go too.
            const stale = Object.keys(await s.getAllConfig()).filter((k) => !(k in config));
            if (stale.length > 0) await s.removeAllConfig(stale);
            // Objects must stay objects, secrets encrypted (config-writes.ts says why and how).
            const writes = configWrites(config);
            if (Object.keys(writes.json).length > 0) await s.setAllConfigJson(JSON.stringify(writes.json));
            if (writes.secretLeaves.length > 0) {
                await s.setAllConfig(Object.fromEntries(writes.secretLeaves.map(([key, value]) => [key, { value, secret: true }])), true);
            }
        });
    }

    async outputs(stack: string): Promise<Record<string, OutputValue>> {
        return this.explained("stack output", stack, async () => toOutputs(await (await this.select(stack)).outputs()));
    }

    /** Runs one Automation API call; a CLI failure becomes one readable error (pulumi-errors.ts). */
    private async explained<T>(operation: string, stack: string, call: () => Promise<T>): Promise<T> {
        try {
            return await call();
        } catch (error) {
            throw explainPulumiError(error, operation, stack);
        }
    }

    private async select(stackName: string, options: RunOptions = {}): Promise<Stack> {
        if (this.runner.runner === "in-process") {
            return LocalWorkspace.selectStack(
                { stackName, projectName: PROJECT, program: inProcessProgram(this.programDir) },
                { workDir: this.programDir, envVars: options.environment },
            );
        }
        return LocalWorkspace.selectStack({ stackName, workDir: this.programDir }, { envVars: options.environment });
    }
}

function lines(onOutput?: (line: string) => void): ((out: string) => void) | undefined {
    return onOutput && ((out) => out.split("\n").filter(Boolean).forEach(onOutput));
}

function toOutputs(map: Record<string, { value: unknown; secret: boolean }>): Record<string, OutputValue> {
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, { value: v.value, secret: v.secret }]));
}
