/** Test helpers: the repo's paths, a stack's config as Pulumi stores it, and a collecting log. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_PATHS } from "../../config/load";
import { ConfigMap } from "../../pipeline/drivers/driver";

import { REPO_ROOT } from "../../cli/frame";

export { REPO_ROOT };

/**
 * The config of `stack` as `pulumi config --json` would return it: the values of
 * Pulumi.<stack>.yaml (structured keys as JSON strings) plus a placeholder for every secret the
 * repo's stack files leave out (set per stack with `pulumi config set --secret`).
 */
export function stackConfigMap(stack: string): ConfigMap {
    const file = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, unknown> = { ...file.config };
    const secret = new Set<string>();
    for (const dotted of SECRET_PATHS) {
        const [top, ...rest] = dotted.split(".");
        const key = `ologywood:${top}`;
        secret.add(key);
        if (rest.length === 0) {
            values[key] = "placeholder-secret";
            continue;
        }
        let node = (values[key] ??= {}) as Record<string, unknown>;
        for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
        node[rest[rest.length - 1]] = placeholderFor(dotted);
    }
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: typeof v === "string" ? v : JSON.stringify(v), secret: secret.has(k) }]));
}

/** Secrets with a format (the Slack webhook is an https URL) get a placeholder of that format. */
function placeholderFor(dotted: string): string {
    return /url/i.test(dotted) ? "https://hooks.example.invalid/placeholder" : "placeholder-secret";
}

/** Collects log lines; `text()` joins them for regex assertions. */
export function lines(): { log: (line: string) => void; all: string[]; text: () => string } {
    const all: string[] = [];
    return { log: (line) => all.push(line), all, text: () => all.join("\n") };
}
