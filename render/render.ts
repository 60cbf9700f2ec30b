/**
 * The offline render: this program, under the Pulumi SDK's mock runtime, with a stack's config.
 * Used by `npm run render` (cli/render.ts) and by the tests. One render per process: the SDK's
 * runtime state is global.
 */
import { createHash } from "crypto";
import { REPO_ROOT } from "../cli/frame";
import { writeOutputDir } from "../cli/output-files";
import { ConfigError, SECRET_PATHS, getPath, parseConfig } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import { applyOrder, toKubernetesObject, toMultiDocumentYaml } from "./manifests";
import { RegisteredResource, runProgramUnderMocks } from "./mock-run";
import { SECRET_PLACEHOLDER, applySets, fillSecretPlaceholders, readStackConfig } from "./stack-file";

export interface RenderOptions {
    stack: string;
    /** `KEY=VALUE` overrides, as `pulumi config set --path`. */
    sets?: string[];
    repoRoot?: string;
}

export interface RenderResult {
    /** Kubernetes objects in apply order; secrets shown as "[secret]". */
    objects: any[];
    /** Every registered resource (components, providers, commands included). */
    resources: { urn: string; type: string; name: string; parent?: string; dependencies: string[]; inputs: any }[];
    config: OlogywoodConfig;
    /** Secret keys that were absent and rendered with a placeholder. */
    placeholders: string[];
}

export interface PreparedConfig {
    raw: Record<string, unknown>;
    config: OlogywoodConfig;
    placeholders: string[];
}

/** Stack file + --set + placeholders, parsed by the one schema. Throws UsageError or ConfigError. */
export function prepareConfig(options: RenderOptions): PreparedConfig {
    const repoRoot = options.repoRoot ?? REPO_ROOT;
    const { raw: fromFile } = readStackConfig(repoRoot, options.stack);
    const withSets = applySets(fromFile, options.sets ?? []);
    const { raw, placeholders } = fillSecretPlaceholders(withSets);
    const parsed = parseConfig(raw);
    if (!parsed.ok) throw new ConfigError(parsed.problems, `config of stack '${options.stack}'`);
    return { raw, config: parsed.config, placeholders };
}

export async function renderInProcess(options: RenderOptions): Promise<RenderResult> {
    const prepared = prepareConfig(options);
    // The program runs with a stand-in for every secret, never the real value: nothing of a real
    // secret can reach the render, and the leak check looks for values no stack file can hold.
    const { raw, config, tokens } = withSecretTokens(prepared.raw);
    const registered = await runProgramUnderMocks(options.stack, raw, config);
    const result: RenderResult = {
        objects: applyOrder(registered).map(toKubernetesObject),
        resources: registered.map(({ urn, type, name, parent, dependencies, inputs }: RegisteredResource) => ({
            urn,
            type,
            name,
            parent,
            dependencies,
            inputs,
        })),
        config: prepared.config,
        placeholders: prepared.placeholders,
    };
    assertNoSecretLeaks(JSON.stringify(result.objects) + JSON.stringify(result.resources), tokens);
    return result;
}

/** The stand-in of a secret during the render: valid for every secret's schema, unique per key, stable between renders. */
export function secretToken(secretPath: string): string {
    return `${SECRET_PLACEHOLDER}/${createHash("sha256").update(secretPath).digest("hex").slice(0, 20)}`;
}

/** The config with each secret that is set replaced by its token; the tokens by key. */
export function withSecretTokens(raw: Record<string, unknown>): { raw: Record<string, unknown>; config: OlogywoodConfig; tokens: Record<string, string> } {
    const result = structuredClone(raw);
    const tokens: Record<string, string> = {};
    for (const secretPath of SECRET_PATHS) {
        const parts = secretPath.split(".");
        if (typeof getPath(result, parts) !== "string") continue;
        tokens[secretPath] = secretToken(secretPath);
        let node: any = result;
        for (const part of parts.slice(0, -1)) node = node[part];
        node[parts[parts.length - 1]] = tokens[secretPath];
    }
    const parsed = parseConfig(result);
    // The tokens are valid for every secret's schema; a failure here is a bug of this function.
    if (!parsed.ok) throw new Error(`the render's secret stand-ins do not fit the schema: ${parsed.problems.map((p) => p.key).join(", ")}`);
    return { raw: result, config: parsed.config, tokens };
}

/** The program put a secret where it is not redacted: a bug of the program, so nothing is written. */
export class SecretLeakError extends Error {
    constructor(readonly keys: string[]) {
        super(
            `refusing to write the render: the program put ${keys.map((k) => `ologywood:${k}`).join(", ")} into it unredacted ` +
                "(a bug of the program: a secret must only be passed as pulumi.secret)",
        );
        this.name = "SecretLeakError";
    }
}

/**
 * The last line of defence: no secret's stand-in may appear in what is written, as it is, in
 * base64 or JSON-escaped. The stand-ins are unique strings, so a hit is never a coincidence.
 */
export function assertNoSecretLeaks(text: string, tokens: Record<string, string>): void {
    const leaked = Object.entries(tokens)
        .filter(([, token]) => [token, Buffer.from(token).toString("base64"), JSON.stringify(token).slice(1, -1)].some((form) => text.includes(form)))
        .map(([key]) => key);
    if (leaked.length > 0) throw new SecretLeakError(leaked);
}

/** Who writes a render folder: the marker that lets a later render replace its files. */
export const RENDER_WRITER = "npm run render";

/**
 * Writes DIR/manifests.yaml and DIR/resources.json. DIR must be absent, empty or an earlier
 * render (cli/output-files.ts); nothing else in it is touched.
 */
export function writeRender(result: RenderResult, outDir: string): string[] {
    return writeOutputDir(outDir, RENDER_WRITER, {
        "manifests.yaml": toMultiDocumentYaml(result.objects),
        "resources.json": JSON.stringify(result.resources, null, 2) + "\n",
    });
}

/** Counts per resource type, like the summary of `pulumi preview`. */
export function summarize(result: RenderResult): string {
    const counts = new Map<string, number>();
    for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    const lines = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `    ${type.padEnd(width)}  ${n}`);
    return [`Resources:`, `    + ${result.resources.length} to create (${result.objects.length} Kubernetes objects)`, ...lines].join("\n");
}
