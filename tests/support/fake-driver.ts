/**
 * An in-memory StackDriver for tests and benchmarks: stacks with config, history and outputs, and
 * hooks to fail a preview or an up. Fast, precise checks of the commands' decisions; the
 * rehearsal runs the same commands against the real Pulumi engine.
 */
import {
    ConfigMap,
    ConfigValue,
    OutputValue,
    PreviewResult,
    RunOptions as DriverRunOptions,
    StackDriver,
    UpResult,
    UpdateRecord,
} from "../../pipeline/drivers/driver";

/** What a call ran with: the options, and the program directory of the driver view it came through (see at()). */
export type RunOptions = DriverRunOptions & { workDir?: string };

/** A recorded call, for tests that assert on the order of operations. */
export interface DriverCall {
    method: keyof StackDriver | "removeConfig";
    stack: string;
    detail?: unknown;
}

interface FakeStack {
    config: ConfigMap;
    history: UpdateRecord[];
    outputs: Record<string, OutputValue>;
}

export interface FakeDriverOptions {
    /** Initial config per stack. */
    stacks?: Record<string, ConfigMap>;
    /** Outputs every successful `up` of a stack reports (e.g. `{ url: { value, secret: false } }`). */
    outputs?: Record<string, Record<string, OutputValue>>;
    /** Return an Error to make a `preview` of this stack fail, given the config it would preview. */
    failPreview?: (stack: string, config: ConfigMap) => Error | undefined;
    /** Return an Error to make the next `up` of this stack fail, given the config it would apply. */
    failUp?: (stack: string, config: ConfigMap, options: RunOptions) => Error | undefined;
    /** Called on each successful `up`, e.g. to flip a local stand-in server to the new version. */
    onUp?: (stack: string, config: ConfigMap, options: RunOptions) => void | Promise<void>;
    /** Simulated duration of an `up`, in ms (benchmarks); 0 by default. */
    upDelayMs?: number;
}

/** An in-memory StackDriver with the Automation API's semantics, for tests and benchmarks. */
export class FakeDriver implements StackDriver {
    readonly calls: DriverCall[] = [];
    private readonly stacks = new Map<string, FakeStack>();

    constructor(private readonly options: FakeDriverOptions = {}) {
        for (const [name, config] of Object.entries(options.stacks ?? {})) {
            this.stacks.set(name, { config: { ...config }, history: [], outputs: options.outputs?.[name] ?? {} });
        }
    }

    /** Adds a succeeded update to a stack's history, as if it had been deployed earlier. */
    seedUpdate(stack: string, record: Partial<UpdateRecord> & { config: ConfigMap }): void {
        const s = this.stack(stack);
        s.history.unshift({
            version: s.history.length + 1,
            kind: "update",
            result: "succeeded",
            startTime: new Date(),
            endTime: new Date(),
            message: "",
            environment: {},
            ...record,
        });
        s.config = { ...record.config };
    }

    async preview(stack: string, options: RunOptions = {}): Promise<PreviewResult> {
        this.calls.push({ method: "preview", stack, detail: options.message });
        const failure = this.options.failPreview?.(stack, { ...this.stack(stack).config });
        if (failure) throw failure;
        return { changeSummary: { same: 1, update: 1 } };
    }

    async up(stack: string, options: RunOptions = {}): Promise<UpResult> {
        const s = this.stack(stack);
        const config = { ...s.config };
        this.calls.push({ method: "up", stack, detail: { message: options.message, workDir: options.workDir } });
        if (this.options.upDelayMs) await new Promise((r) => setTimeout(r, this.options.upDelayMs));
        const failure = this.options.failUp?.(stack, config, options);
        const record: UpdateRecord = {
            version: s.history.length + 1,
            kind: "update",
            result: failure ? "failed" : "succeeded",
            startTime: new Date(),
            endTime: new Date(),
            message: options.message ?? "",
            environment: { ...(options.environment ?? {}) },
            config,
        };
        s.history.unshift(record);
        if (failure) throw failure;
        await this.options.onUp?.(stack, config, options);
        return { changeSummary: { update: 1 }, outputs: s.outputs };
    }

    async history(stack: string): Promise<UpdateRecord[]> {
        this.calls.push({ method: "history", stack });
        return this.stack(stack).history.map((h) => ({ ...h, config: { ...h.config } }));
    }

    async getAllConfig(stack: string): Promise<ConfigMap> {
        this.calls.push({ method: "getAllConfig", stack });
        return { ...this.stack(stack).config };
    }

    async setConfig(stack: string, key: string, value: ConfigValue, options: { path?: boolean } = {}): Promise<void> {
        this.calls.push({ method: "setConfig", stack, detail: { key, value: value.secret ? "[secret]" : value.value } });
        const s = this.stack(stack);
        if (!options.path || !key.includes(".")) {
            s.config[key] = { ...value };
            return;
        }
        // Path keys address a nested value inside a structured (JSON) config value.
        const [root, ...rest] = key.split(".");
        const current = s.config[root] ? JSON.parse(s.config[root].value) : {};
        let node = current;
        for (const part of rest.slice(0, -1)) node = node[part] ??= {};
        node[rest[rest.length - 1]] = parseScalar(value.value);
        s.config[root] = { value: JSON.stringify(current), secret: s.config[root]?.secret || value.secret };
    }

    async removeConfig(stack: string, key: string, options: { path?: boolean } = {}): Promise<void> {
        this.calls.push({ method: "removeConfig", stack, detail: { key } });
        const s = this.stack(stack);
        if (!options.path || !key.includes(".")) {
            delete s.config[key];
            return;
        }
        const [root, ...rest] = key.split(".");
        if (!s.config[root]) return;
        const current = JSON.parse(s.config[root].value);
        let node = current;
        for (const part of rest.slice(0, -1)) {
            if (node === null || typeof node !== "object") return;
            node = node[part];
        }
        if (node && typeof node === "object") delete node[rest[rest.length - 1]];
        s.config[root] = { ...s.config[root], value: JSON.stringify(current) };
    }

    async setAllConfig(stack: string, config: ConfigMap): Promise<void> {
        this.calls.push({ method: "setAllConfig", stack });
        this.stack(stack).config = { ...config };
    }

    async outputs(stack: string): Promise<Record<string, OutputValue>> {
        this.calls.push({ method: "outputs", stack });
        return this.stack(stack).outputs;
    }

    /**
     * The same stacks, with programs run from `workDir` (a rollback's git worktree): what
     * `AutomationDriver.create(workDir)` is to the real driver. Its `up` calls record the workDir.
     */
    at(workDir: string): StackDriver {
        return {
            preview: (stack, options = {}) => this.preview(stack, { ...options, workDir }),
            up: (stack, options = {}) => this.up(stack, { ...options, workDir }),
            history: (stack) => this.history(stack),
            getAllConfig: (stack) => this.getAllConfig(stack),
            setConfig: (stack, key, value, options) => this.setConfig(stack, key, value, options),
            setAllConfig: (stack, config) => this.setAllConfig(stack, config),
            removeConfig: (stack, key, options) => this.removeConfig(stack, key, options),
            outputs: (stack) => this.outputs(stack),
        };
    }

    /** The calls made on one stack, as `method` names, for order assertions. */
    methodsOn(stack: string): string[] {
        return this.calls.filter((c) => c.stack === stack).map((c) => c.method);
    }

    private stack(name: string): FakeStack {
        let s = this.stacks.get(name);
        if (!s) {
            s = { config: {}, history: [], outputs: this.options.outputs?.[name] ?? {} };
            this.stacks.set(name, s);
        }
        return s;
    }
}

/** `pulumi config set --path` stores `3` as a number and `true` as a boolean. */
function parseScalar(raw: string): unknown {
    if (raw === "true") return true;
    if (raw === "false") return false;
    if (raw.trim() !== "" && !Number.isNaN(Number(raw))) return Number(raw);
    return raw;
}
