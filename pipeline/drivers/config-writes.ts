/**
 * How a whole stack config (an earlier update's, from `pulumi stack history`) is written back with
 * the Pulumi CLI so that the program reads exactly what that update read. Found in the rehearsal
 * (CLI v3.276.0), each checked against the real CLI:
 *   - `pulumi config set-all --plaintext key=<json>` stores an object as a *string*; a later
 *     `config set --path key.sub` then replaced the whole object (the rollback lost
 *     backup.storageClass, so its `up` tried to replace the protected backup volume);
 *   - `pulumi config set-all --json` (the format of `pulumi config --json`) restores objects (when
 *     `objectValue` is given; `value` alone is stored as a string) and scalars with their types,
 *     and secret scalars, but refuses an object marked secret
 *     ("invalid character 'v' looking for beginning of value");
 *   - `set-all --path --secret key.sub=value` writes one encrypted leaf inside an object.
 * So: everything but secret objects goes through `--json`; a secret object goes through `--json`
 * without its secret leaves (the schema's SECRET_PATHS say which), and those leaves follow one by
 * one with `--path --secret`. Nothing secret is ever written in plain text: a secret object with
 * no leaf the schema knows as secret is written leaf by leaf, every leaf encrypted.
 */
import { PROJECT, isSecretPath } from "../../config/load";
import { ConfigMap } from "./driver";

export interface ConfigWrites {
    /** For `pulumi config set-all --json`. */
    json: Record<string, { value: string; objectValue?: unknown; secret: boolean }>;
    /** For `pulumi config set-all --path --secret <key>=<value>`, after the JSON. */
    secretLeaves: [string, string][];
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `a.b[0]["c.d"]` from path parts, as `pulumi config --path` reads it. */
export function pathKey(top: string, parts: (string | number)[]): string {
    return parts.reduce<string>((key, p) => (typeof p === "number" ? `${key}[${p}]` : SIMPLE_KEY.test(p) ? `${key}.${p}` : `${key}["${p}"]`), top);
}

/** Every scalar inside a config value, with its path (a scalar is its own single leaf, at path []). */
export function leaves(value: unknown, parts: (string | number)[] = []): { parts: (string | number)[]; value: unknown }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...parts, i]));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...parts, k]));
    return [{ parts, value }];
}

/** Removes the leaf at `parts` from a deep copy's branch (arrays keep their indexes: a secret inside a list is not expected). */
function without(value: unknown, secretParts: (string | number)[][]): unknown {
    const copy = JSON.parse(JSON.stringify(value));
    for (const parts of secretParts) {
        let node = copy;
        for (const p of parts.slice(0, -1)) node = node?.[p];
        if (node && typeof node === "object") delete node[parts[parts.length - 1]];
    }
    return copy;
}

export function configWrites(config: ConfigMap): ConfigWrites {
    const writes: ConfigWrites = { json: {}, secretLeaves: [] };
    for (const [key, v] of Object.entries(config)) {
        const object = v.objectValue;
        if (object === undefined || !v.secret) {
            // `objectValue` is what tells the CLI the value is an object: without it the JSON is stored as a string.
            writes.json[key] =
                object === undefined ? { value: v.value, secret: Boolean(v.secret) } : { value: JSON.stringify(object), objectValue: object, secret: false };
            continue;
        }
        const prefix = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : undefined;
        const all = leaves(object);
        const secret = prefix === undefined ? [] : all.filter((l) => isSecretPath([prefix, ...l.parts].join(".")));
        if (secret.length === 0) {
            // Not the schema's own secrets: every leaf encrypted.
            writes.secretLeaves.push(...all.map((l): [string, string] => [pathKey(key, l.parts), String(l.value)]));
            continue;
        }
        const plain = without(
            object,
            secret.map((l) => l.parts),
        );
        writes.json[key] = { value: JSON.stringify(plain), objectValue: plain, secret: false };
        writes.secretLeaves.push(...secret.map((l): [string, string] => [pathKey(key, l.parts), String(l.value)]));
    }
    return writes;
}
