/**
 * The one seam between our commands (maintenance, db:restore, release, rollback) and Pulumi.
 * The real implementation wraps the Automation API; tests and benchmarks use FakeDriver.
 * Keep it small: every method here is one Automation API call. A driver runs one program
 * directory (the repository, or a rollback's git worktree): that is the only way to choose it.
 */

/** A config value as Pulumi stores it (`pulumi config get --json`). */
export interface ConfigValue {
    value: string;
    secret?: boolean;
    /** An object or list value, as `pulumi config --json` and `pulumi stack history --json` give it beside `value` (its JSON). */
    objectValue?: unknown;
}

/** Full keys, e.g. `ologywood:maintenance` or, with `path`, `ologywood:api.replicas`. */
export type ConfigMap = Record<string, ConfigValue>;

export type UpdateResult = "not-started" | "in-progress" | "succeeded" | "failed";

/** One entry of `pulumi stack history`, newest first. */
export interface UpdateRecord {
    version: number;
    kind: string;
    result: UpdateResult;
    startTime: Date;
    endTime?: Date;
    message: string;
    /** Environment recorded with the update; we record the program's git commit here. */
    environment: Record<string, string>;
    config: ConfigMap;
}

export interface OutputValue {
    value: unknown;
    secret: boolean;
}

export interface RunOptions {
    /** Update message, shown in `pulumi stack history`. */
    message?: string;
    /** Environment variables recorded with the update and visible to the program. */
    environment?: Record<string, string>;
    /** Streamed engine output, line by line. */
    onOutput?: (line: string) => void;
}

export interface PreviewResult {
    /** Operation counts, e.g. `{ same: 40, update: 2, create: 1 }`. */
    changeSummary: Record<string, number>;
}

export interface UpResult {
    changeSummary: Record<string, number>;
    outputs: Record<string, OutputValue>;
}

export interface StackDriver {
    preview(stack: string, options?: RunOptions): Promise<PreviewResult>;
    /** Rejects when the update fails. */
    up(stack: string, options?: RunOptions): Promise<UpResult>;
    /** Newest first, as `pulumi stack history`. */
    history(stack: string): Promise<UpdateRecord[]>;
    getAllConfig(stack: string): Promise<ConfigMap>;
    /** With `path: true` the key may address a nested value (`ologywood:api.replicas`). */
    setConfig(stack: string, key: string, value: ConfigValue, options?: { path?: boolean }): Promise<void>;
    /** Replaces the whole stack config (rollback restores an earlier update's config). */
    setAllConfig(stack: string, config: ConfigMap): Promise<void>;
    /** With `path: true` the key may address a nested value (`ologywood:backup.restore`). */
    removeConfig(stack: string, key: string, options?: { path?: boolean }): Promise<void>;
    outputs(stack: string): Promise<Record<string, OutputValue>>;
}
