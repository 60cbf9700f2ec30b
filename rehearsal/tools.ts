/**
 * The tools a rehearsal runs, from the cache rehearsal/build-tools.sh fills (docs/rehearsal.md):
 * the Pulumi CLI and kubernetes provider, etcd, the Kubernetes control plane, kubectl, kwok and
 * the prometheus-operator CRDs. Found through the script itself (`--print-dir`, a 3-second
 * answer that builds nothing), so the rehearsal and the script agree on the cache key.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const NEEDED = [
    "pulumi",
    "pulumi-resource-kubernetes",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
    "kwokctl",
] as const;
export type ToolName = (typeof NEEDED)[number];

export interface Tools {
    /** The cache folder of the current key. */
    dir: string;
    bin: string;
    crds: string;
    path: Record<ToolName, string>;
    /** Version of each tool (and `crds`), as tools.json records it. */
    versions: Record<string, string>;
    /** What build-tools.sh could not build, with the exact command and error. */
    unavailable: { tool: string; command: string; error: string }[];
}

/** How to get the tools, said wherever they are missing (the command and the test). */
export const BUILD_HINT =
    "build them once with `rehearsal/build-tools.sh` (needs go 1.26 and jq; about 85 minutes cold on 2 cores, " +
    "3 s when cached; docs/rehearsal.md), then run the rehearsal again";

export class ToolsMissingError extends Error {
    constructor(detail: string) {
        super(`the rehearsal's tools are not built: ${detail}; ${BUILD_HINT}`);
        this.name = "ToolsMissingError";
    }
}

/** The built tools, or a ToolsMissingError that says what is missing and how to build it. */
export function findTools(repoRoot: string): Tools {
    const script = path.join(repoRoot, "rehearsal", "build-tools.sh");
    const probe = spawnSync("bash", [script, "--print-dir"], { encoding: "utf8", timeout: 60_000 });
    if (probe.status !== 0)
        throw new ToolsMissingError(
            `\`rehearsal/build-tools.sh --print-dir\` failed (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()})`,
        );
    const dir = probe.stdout.trim();
    const manifestFile = path.join(dir, "tools.json");
    if (!fs.existsSync(manifestFile)) throw new ToolsMissingError(`${manifestFile} does not exist`);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
        bin: string;
        crds: string;
        tools: { tool: string; version: string; path: string }[];
        unavailable?: { tool: string; command: string; error: string }[];
    };
    const byName = new Map(manifest.tools.map((t) => [t.tool, t]));
    const missing = NEEDED.filter((t) => !byName.has(t) || !isExecutable(byName.get(t)!.path));
    const crds = byName.get("crds")?.path ?? manifest.crds;
    if (!crds || !fs.existsSync(crds) || !fs.readdirSync(crds).some((f) => f.endsWith(".yaml"))) missing.push("crds" as ToolName);
    if (missing.length > 0) throw new ToolsMissingError(`missing from ${dir}: ${missing.join(", ")}`);
    return {
        dir,
        bin: manifest.bin,
        crds,
        path: Object.fromEntries(NEEDED.map((t) => [t, byName.get(t)!.path])) as Record<ToolName, string>,
        versions: Object.fromEntries(manifest.tools.map((t) => [t.tool, t.version])),
        unavailable: manifest.unavailable ?? [],
    };
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}
