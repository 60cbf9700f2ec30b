/**
 * Stack config for the offline render: Pulumi.<stack>.yaml plus `--set` overrides, as the
 * Pulumi CLI would hand it to the program.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { UsageError, availableStacks } from "../cli/frame";
import { ConfigError, PROJECT, SECRET_PATHS, getPath, parseConfig } from "../config/load";

/** What a placeholder secret looks like: valid for every secret's schema, and never rendered (secrets show as [secret]). */
export const SECRET_PLACEHOLDER = "https://render-placeholder.invalid/not-a-secret";

/**
 * The stack file's `ologywood:` keys as a nested object (keys without the prefix), and the dotted
 * paths of its encrypted values. A secret written in plain text is refused (ConfigError): it
 * would be deployed as if it were encrypted, and it sits readable in the file.
 */
export function readStackConfig(repoRoot: string, stack: string): { raw: Record<string, unknown>; encrypted: string[] } {
    const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        const known = availableStacks(repoRoot);
        throw new UsageError(`unknown stack '${stack}': there is no Pulumi.${stack}.yaml; expected one of: ${known.join(", ") || "(none)"}`);
    }
    let doc: any;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    } catch (e) {
        throw new UsageError(`Pulumi.${stack}.yaml is not valid YAML: ${(e as Error).message}`);
    }
    const raw: Record<string, unknown> = {};
    const encrypted: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns !== PROJECT) continue;
        raw[rest.join(":")] = stripEncrypted(value, [rest.join(":")], encrypted);
    }
    // Encrypted values were taken out above: whatever is left at a secret's path is plain text.
    const plaintext = SECRET_PATHS.filter((p) => getPath(raw, p.split(".")) !== undefined);
    if (plaintext.length > 0) {
        throw new ConfigError(
            plaintext.map((p) => ({
                key: `${PROJECT}:${p}`,
                message:
                    `is a secret written in plain text in Pulumi.${stack}.yaml; expected an encrypted value: delete it from the file and set it with ` +
                    `\`pulumi config set --secret --path ${PROJECT}:${p} ...\` (stack ${stack} selected), and change it where it is used if the file was ever committed`,
            })),
            `Pulumi.${stack}.yaml`,
        );
    }
    return { raw, encrypted };
}

/** The render's note for a secret it replaced with a placeholder: absent, or encrypted (the Pulumi CLI decrypts it, the render cannot). */
export function placeholderNote(key: string, encrypted: readonly string[]): string {
    const isEncrypted = encrypted.some((e) => key === `${PROJECT}:${e}` || key.startsWith(`${PROJECT}:${e}.`));
    return isEncrypted
        ? `note: ${key} is encrypted, not readable offline; rendering with a placeholder (shown as [secret]).`
        : `note: ${key} is not set; rendering with a placeholder (shown as [secret]). pulumi up requires it.`;
}

/** `{secure: v1:...}` values cannot be decrypted without the Pulumi CLI: they become placeholders. */
function stripEncrypted(value: unknown, path: string[], encrypted: string[]): unknown {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            encrypted.push(path.join("."));
            return undefined;
        }
        return Object.fromEntries(
            Object.entries(obj)
                .map(([k, v]) => [k, stripEncrypted(v, [...path, k], encrypted)])
                .filter(([, v]) => v !== undefined),
        );
    }
    return value;
}

/**
 * Applies `KEY=VALUE` as `pulumi config set --path` would: a dotted path, the `ologywood:` prefix
 * optional, the value parsed as YAML (so `3` is a number and `true` a boolean).
 */
export function applySets(raw: Record<string, unknown>, sets: string[]): Record<string, unknown> {
    const result = structuredClone(raw);
    for (const set of sets) {
        const eq = set.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set expects KEY=VALUE (e.g. --set api.replicas=3), got '${set}'`);
        let key = set.slice(0, eq).trim();
        const text = set.slice(eq + 1);
        if (key.startsWith(`${PROJECT}:`)) key = key.slice(PROJECT.length + 1);
        else if (key.includes(":")) throw new UsageError(`--set ${key}: only keys of the '${PROJECT}' namespace can be set`);
        const parts = key.split(".");
        if (parts.some((p) => p === "")) throw new UsageError(`--set ${key}: expected a dotted key such as api.replicas`);
        let value: unknown;
        try {
            value = text === "" ? "" : YAML.parse(text);
        } catch {
            value = text;
        }
        let node: any = result;
        for (const part of parts.slice(0, -1)) {
            if (node[part] === undefined || node[part] === null) node[part] = {};
            if (typeof node[part] !== "object" || Array.isArray(node[part])) {
                throw new UsageError(`--set ${key}: '${part}' is not an object in the stack config`);
            }
            node = node[part];
        }
        node[parts[parts.length - 1]] = value;
    }
    return result;
}

/**
 * Absent secrets that the config needs get a visible placeholder so the render can go on; `pulumi
 * up` requires them. Which are needed is the schema's answer (e.g. `db.credentials` only with
 * `db.mode: external`), so a stack is never told to set a secret it does not use.
 */
export function fillSecretPlaceholders(raw: Record<string, unknown>): { raw: Record<string, unknown>; placeholders: string[] } {
    const result = structuredClone(raw);
    const placeholders: string[] = [];
    // Each pass fills the secrets the schema says are missing; filling one may reveal another.
    for (let pass = 0; pass < SECRET_PATHS.length; pass++) {
        const parsed = parseConfig(result);
        if (parsed.ok) break;
        const missing = SECRET_PATHS.filter(
            (secretPath) =>
                getPath(result, secretPath.split(".")) === undefined &&
                parsed.problems.some((p) => [secretPath, ...parentsOf(secretPath)].includes(p.key.slice(PROJECT.length + 1))),
        );
        if (missing.length === 0) break;
        for (const secretPath of missing) {
            if (setPath(result, secretPath.split("."), SECRET_PLACEHOLDER)) placeholders.push(`${PROJECT}:${secretPath}`);
        }
    }
    return { raw: result, placeholders };
}

/** `a.b.c` -> `a.b`, `a` */
function parentsOf(dotted: string): string[] {
    const parts = dotted.split(".");
    return parts.slice(1).map((_, i) => parts.slice(0, parts.length - 1 - i).join("."));
}

/** Sets a dotted path, making the objects on the way; false when a value on the way is not an object. */
function setPath(obj: Record<string, unknown>, parts: string[], value: unknown): boolean {
    let node: any = obj;
    for (const part of parts.slice(0, -1)) {
        if (node[part] === undefined) node[part] = {};
        if (typeof node[part] !== "object" || node[part] === null || Array.isArray(node[part])) return false;
        node = node[part];
    }
    node[parts[parts.length - 1]] = value;
    return true;
}
