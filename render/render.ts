/**
 * The offline render: this program, under the Pulumi SDK's mock runtime, with a stack's config.
 * Used by `npm run render` and by the tests (renderStack runs it in a child process, because the
 * SDK's runtime state is global and a process can run the program once).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, SECRET_PATHS, getPath, parseConfig } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import { applyOrder, toKubernetesObject, toMultiDocumentYaml } from "./manifests";
import { RegisteredResource, runProgramUnderMocks } from "./mock-run";
import { SECRET_PLACEHOLDER, applySets, fillSecretPlaceholders, readStackConfig } from "./stack-file";

export const REPO_ROOT = path.resolve(__dirname, "..");

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

/** Writes DIR/manifests.yaml and DIR/resources.json, all or nothing. */
export function writeRender(result: RenderResult, outDir: string): string[] {
    const target = path.resolve(outDir);
    const staging = `${target}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    try {
        fs.writeFileSync(path.join(staging, "manifests.yaml"), toMultiDocumentYaml(result.objects));
        fs.writeFileSync(path.join(staging, "resources.json"), JSON.stringify(result.resources, null, 2) + "\n");
        fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(staging, target);
    } catch (e) {
        fs.rmSync(staging, { recursive: true, force: true });
        throw e;
    }
    return [path.join(target, "manifests.yaml"), path.join(target, "resources.json")];
}

/** Counts per resource type, like the summary of `pulumi preview`. */
export function summarize(result: RenderResult): string {
    const counts = new Map<string, number>();
    for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    const lines = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `    ${type.padEnd(width)}  ${n}`);
    return [`Resources:`, `    + ${result.resources.length} to create (${result.objects.length} Kubernetes objects)`, ...lines].join("\n");
}

/** Runs the render in a child process and returns its result (for tests and tools). */
export function renderStack(options: RenderOptions): Promise<RenderResult> {
    const child = path.join(__dirname, "child.ts");
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-r", "ts-node/register/transpile-only", child, JSON.stringify(options)],
            { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (error) return reject(new Error(`render of ${options.stack} failed: ${stderr.trim() || error.message}`));
                try {
                    resolve(JSON.parse(stdout.slice(stdout.indexOf(CHILD_MARKER) + CHILD_MARKER.length)));
                } catch (e) {
                    reject(new Error(`render of ${options.stack}: unreadable result: ${(e as Error).message}`));
                }
            });
    });
}

/** Separates the child's result from anything the program logged on stdout. */
export const CHILD_MARKER = "\n@@ologywood-render-result@@\n";
