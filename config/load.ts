/**
 * Parsing stack config: from Pulumi's flat `ologywood:<key>` map to the typed config, with every
 * problem reported at once, each naming its key, the bad value (never a secret's) and what is
 * expected.
 */
import { z } from "zod";
import { configSchema, OlogywoodConfig } from "./schema";
import { secretRegistry } from "./types";

export const PROJECT = "ologywood";

export interface ConfigProblem {
    /** Full key as written in the stack file, e.g. `ologywood:api.replicas`. */
    key: string;
    /** What is wrong and what is expected. */
    message: string;
}

export class ConfigError extends Error {
    constructor(
        readonly problems: ConfigProblem[],
        source = "stack config",
    ) {
        super(
            `invalid ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export type ParseResult = { ok: true; config: OlogywoodConfig } | { ok: false; problems: ConfigProblem[] };

/** Parses the config object under `ologywood:` (keys without the prefix). */
export function parseConfig(raw: Record<string, unknown>): ParseResult {
    const result = configSchema.safeParse(raw, { reportInput: true });
    if (result.success) return { ok: true, config: result.data };
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, raw));
    // A cross-field rule may hit a key that already failed on its own: one problem per key is enough.
    return { ok: false, problems: problems.filter((p, i) => problems.findIndex((q) => q.key === p.key) === i) };
}

/** Like parseConfig, but throws a ConfigError listing every problem. */
export function parseConfigOrThrow(raw: Record<string, unknown>, source?: string): OlogywoodConfig {
    const parsed = parseConfig(raw);
    if (!parsed.ok) throw new ConfigError(parsed.problems, source);
    return parsed.config;
}

/**
 * Pulumi's flat config map (`{"ologywood:api": "{\"replicas\":3}", "ologywood:imageTag": "1.2.3"}`)
 * to the nested object the schema reads. Keys of other namespaces (`kubernetes:context`) are ignored.
 */
export function fromPulumiConfigMap(flat: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(flat)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== PROJECT) continue;
        raw[key] = looksStructured(value) ? JSON.parse(value) : value;
    }
    return raw;
}

/** The inverse: what `pulumi.runtime.setAllConfig` (and `pulumi config set`) take. */
export function toPulumiConfigMap(raw: Record<string, unknown>): Record<string, string> {
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
        flat[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return flat;
}

/** Dotted paths (without prefix) of every secret value, from the schema itself: `["smtp.password", ...]`. */
export const SECRET_PATHS: readonly string[] = collectSecretPaths(configSchema, []);

export function isSecretPath(path: string): boolean {
    return SECRET_PATHS.some((p) => path === p || path.startsWith(`${p}.`));
}

/** Reads a dotted path out of a nested object; undefined when absent. */
export function getPath(obj: unknown, path: readonly (string | number | symbol)[]): unknown {
    let node: any = obj;
    for (const part of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = node[part as any];
    }
    return node;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function looksStructured(value: string): boolean {
    const t = value.trim();
    return (t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"));
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigProblem[] {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((k) => {
            const known = knownKeysAt(path);
            const hint = closest(k, known);
            return {
                key: keyName([...path, k]),
                message: `unknown key${hint ? ` (did you mean '${hint}'?)` : ""}; expected one of: ${known.join(", ")}`,
            };
        });
    }
    const dotted = path.join(".");
    // A rule across keys may refuse a default, which the stack file does not show.
    const written = getPath(raw, path);
    const input = written ?? issue.input;
    // Sections without a message of their own: say what a section is, not zod's wording.
    let message = issue.code === "invalid_type" && issue.expected === "object" ? "expected an object (a section of keys)" : issue.message;
    if (input === undefined && issue.code === "invalid_type") {
        message = `is required; ${message}`;
    } else if (!isSecretPath(dotted) && !hidesValue(issue)) {
        message = `got ${showValue(input)}${written === undefined && input !== undefined ? " (the default)" : ""}; ${message}`;
    }
    return [{ key: keyName(path), message }];
}

/** A rule may ask that the value not be shown: it refuses the value because it may be a secret. */
function hidesValue(issue: z.core.$ZodIssue): boolean {
    return issue.code === "custom" && (issue as z.core.$ZodIssueCustom).params?.hideValue === true;
}

function keyName(path: string[]): string {
    return `${PROJECT}:${path.join(".")}`;
}

/** Only scalars are echoed: an object could hold a secret. */
function showValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "an object";
    if (typeof value === "string") return JSON.stringify(value);
    return String(value);
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
    let s: any = schema;
    // default, prefault, optional, pipe (preprocess) and refinements wrap the schema that has the shape.
    for (;;) {
        const def = s._zod.def;
        if (def.innerType) s = def.innerType;
        else if (def.type === "pipe") s = def.out._zod.def.type === "transform" ? def.in : def.out;
        else return s;
    }
}

function shapeOf(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
    const s: any = unwrap(schema);
    return s._zod.def.type === "object" ? s._zod.def.shape : undefined;
}

function knownKeysAt(path: string[]): string[] {
    let schema: z.core.$ZodType | undefined = configSchema;
    for (const part of path) {
        schema = schema && shapeOf(schema)?.[part];
    }
    return schema ? Object.keys(shapeOf(schema) ?? {}) : [];
}

function collectSecretPaths(schema: z.core.$ZodType, path: string[]): string[] {
    if (secretRegistry.has(schema as any) || secretRegistry.has(unwrap(schema) as any)) return [path.join(".")];
    const shape = shapeOf(schema);
    if (!shape) return [];
    return Object.entries(shape).flatMap(([k, child]) => collectSecretPaths(child, [...path, k]));
}

function closest(word: string, candidates: string[]): string | undefined {
    let best: { c: string; d: number } | undefined;
    for (const c of candidates) {
        const d = editDistance(word.toLowerCase(), c.toLowerCase());
        if (d <= Math.max(2, Math.floor(c.length / 3)) && (!best || d < best.d)) best = { c, d };
    }
    return best?.c;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
