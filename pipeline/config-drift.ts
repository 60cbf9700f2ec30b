/**
 * Whether the stack file (Pulumi.<stack>.yaml, what the next `pulumi up` deploys) still holds
 * the config the stack last ran. Commands that flip one switch of a running stack (maintenance,
 * db:restore) must not deploy anything else with it. The rehearsal found the case: after a
 * rollback (which runs from a git worktree with its own stack file) the checkout's file still
 * named the failed release's image, and `npm run maintenance -- staging on` redeployed it.
 * Pulumi's answer is `pulumi config refresh`, which writes the last update's config into the file.
 */
import { leaves, pathKey } from "./drivers/config-writes";
import { ConfigMap, UpdateRecord } from "./drivers/driver";

export interface ConfigDifference {
    /** Full key with its path, e.g. `ologywood:imageTag`, `ologywood:api.replicas`. */
    key: string;
    here?: string;
    deployed?: string;
    secret: boolean;
}

function leavesOf(config: ConfigMap): Map<string, { value: string; secret: boolean }> {
    const out = new Map<string, { value: string; secret: boolean }>();
    for (const [key, v] of Object.entries(config)) {
        let value: unknown = v.objectValue ?? v.value;
        if (v.objectValue === undefined && /^\s*[{[]/.test(v.value)) {
            try {
                value = JSON.parse(v.value);
            } catch {
                // a string that merely starts with a brace
            }
        }
        for (const leaf of leaves(value)) out.set(pathKey(key, leaf.parts), { value: String(leaf.value), secret: Boolean(v.secret) });
    }
    return out;
}

/** Leaf by leaf, the keys whose value differs; `ignore` holds keys (and their sub-keys) the command itself changes. */
export function configDrift(here: ConfigMap, deployed: ConfigMap, ignore: readonly string[]): ConfigDifference[] {
    const a = leavesOf(here);
    const b = leavesOf(deployed);
    const ignored = (key: string) => ignore.some((i) => key === i || key.startsWith(`${i}.`) || key.startsWith(`${i}[`));
    const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !ignored(k)).sort();
    return keys
        .filter((k) => a.get(k)?.value !== b.get(k)?.value)
        .map((k) => ({ key: k, here: a.get(k)?.value, deployed: b.get(k)?.value, secret: Boolean(a.get(k)?.secret || b.get(k)?.secret) }));
}

/** The refusal: what differs (secret values never shown) and the command that takes the deployed config. */
export function driftMessage(stack: string, update: UpdateRecord, differences: ConfigDifference[], command: string): string {
    const show = (d: ConfigDifference, v: string | undefined) => (v === undefined ? "unset" : d.secret ? "[secret]" : JSON.stringify(v));
    const lines = differences.slice(0, 10).map((d) => `  ${d.key}: ${show(d, d.here)} in Pulumi.${stack}.yaml, ${show(d, d.deployed)} deployed`);
    if (differences.length > 10) lines.push(`  ... and ${differences.length - 10} more`);
    return [
        `Pulumi.${stack}.yaml does not hold the config ${stack} last ran (update #${update.version}${update.message ? `, "${update.message}"` : ""}):`,
        ...lines,
        `${command} would deploy this file's config with it. To take the deployed config into the file (it overwrites`,
        `the file's values; commit or stash edits you want to keep): pulumi config refresh --stack ${stack} --force`,
        "A config change belongs in a release. Nothing was changed.",
    ].join("\n");
}
