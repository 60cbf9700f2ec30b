/**
 * The offline render: this program, under the Pulumi SDK's mock runtime, with a stack's config.
 * Used by `npm run render` (cli/render.ts) and by the tests. One render per process: the SDK's
 * runtime state is global.
 */
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
    const registered = await runProgramUnderMocks(options.stack, prepared.raw, prepared.config);
    const result: RenderResult = {
        objects: applyOrder(registered).map(toKubernetesObject),
        resources: registered.map(({ urn, type, name, parent, dependencies, inputs }: RegisteredResource) =>
            ({ urn, type, name, parent, dependencies, inputs })),
        config: prepared.config,
        placeholders: prepared.placeholders,
    };
    assertNoSecretLeaks(JSON.stringify(result.objects) + JSON.stringify(result.resources), prepared.raw);
    return result;
}

/**
 * The last line of defence: no secret value from the config may appear in what we write, in
 * plaintext or base64. A hit is a bug in the program, so nothing is written.
 */
export function assertNoSecretLeaks(text: string, raw: Record<string, unknown>): void {
    for (const secretPath of SECRET_PATHS) {
        const value = getPath(raw, secretPath.split("."));
        if (typeof value !== "string" || value === SECRET_PLACEHOLDER || value.length < 4) continue;
        const forms = [value, Buffer.from(value).toString("base64"), JSON.stringify(value).slice(1, -1)];
        if (forms.some((f) => text.includes(f))) {
            throw new Error(`refusing to write the render: the secret ologywood:${secretPath} appears in it (a bug: it must only be passed as pulumi.secret)`);
        }
    }
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
