/**
 * npm run docs:config: writes docs/config-reference.md from the config schema (types, defaults,
 * required, secret; "expected" is the schema's own message for a wrong value) and the doc
 * comments of its keys (config/doc-comments.ts). tests/hardening/config-reference.test.ts fails
 * when the committed file is out of date.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { isSecretPath, PROJECT } from "./load";
import { DocComments, readDocComments } from "./doc-comments";
import { configSchema } from "./schema";

export const REFERENCE_FILE = path.join(__dirname, "..", "docs", "config-reference.md");
export const REGENERATE_COMMAND = "npm run docs:config";

export interface ReferenceRow {
    /** Dotted path without the `ologywood:` prefix. */
    key: string;
    /** What a valid value looks like. */
    expected: string;
    /** JSON of the default, when there is one. */
    default?: string;
    required: boolean;
    secret: boolean;
    /** A section (object) whose keys follow as their own rows. */
    section: boolean;
    description: string;
}

type Schema = z.core.$ZodType;
const defOf = (s: Schema): any => (s as any)._zod.def;

/** Peels default/prefault/optional/preprocess wrappers, noting what they say about the key. */
function peel(schema: Schema): { inner: Schema; default?: unknown; hasDefault: boolean; optional: boolean } {
    let s = schema;
    let result: { default?: unknown; hasDefault: boolean; optional: boolean } = { hasDefault: false, optional: false };
    for (;;) {
        const def = defOf(s);
        if (def.type === "default") {
            result = { ...result, default: result.hasDefault ? result.default : def.defaultValue, hasDefault: true };
            s = def.innerType;
        } else if (def.type === "prefault") {
            result = { ...result, hasDefault: true };
            s = def.innerType;
        } else if (def.type === "optional" || def.type === "nullable" || def.type === "readonly") {
            result = { ...result, optional: result.optional || def.type === "optional" };
            s = def.innerType;
        } else if (def.type === "pipe") {
            // z.preprocess(fn, schema) pipes a transform into the schema; x.transform(fn) the other way.
            s = defOf(def.in).type === "transform" ? def.out : def.in;
        } else {
            return { inner: s, ...result };
        }
    }
}

/** zod's built-in messages ("Invalid input: ...", "Too small: ..."): ours say what is expected. */
const BUILT_IN_MESSAGE = /^(Invalid|Too (small|big))/;

/** The schema's own message for a wrong value, without the leading "expected". */
function expectedOf(schema: Schema, inner: Schema): string {
    const def = defOf(inner);
    // A value of the wrong type first; for strings also the empty string, which trips format checks.
    const probes: unknown[] = def.type === "string" ? [Symbol("probe"), ""] : [Symbol("probe")];
    for (const probe of probes) {
        const result = (schema as any).safeParse(probe);
        const message: string | undefined = result.success ? undefined : result.error.issues[0]?.message;
        if (message && !BUILT_IN_MESSAGE.test(message)) return message.replace(/^expected\s+/i, "");
    }
    switch (def.type) {
        case "string":
            return (def.checks ?? []).some((c: any) => c._zod.def.check === "min_length") ? "a non-empty string" : "a string";
        case "number":
            return "a number";
        case "boolean":
            return "true or false";
        case "enum":
            return `one of ${Object.values(def.entries).join(", ")}`;
        case "array":
            return "a list";
        case "record":
            return "a map of names to strings";
        case "object":
            return "an object";
        default:
            return def.type;
    }
}

export function referenceRows(schema: Schema = configSchema, docs: DocComments = readDocComments()): ReferenceRow[] {
    const rows: ReferenceRow[] = [];
    const walk = (node: Schema, keyPath: string[]) => {
        const peeled = peel(node);
        const def = defOf(peeled.inner);
        const key = keyPath.join(".");
        const section = def.type === "object";
        if (keyPath.length) {
            rows.push({
                key,
                expected: section ? "an object with the keys below" : expectedOf(node, peeled.inner),
                default: peeled.default === undefined ? undefined : JSON.stringify(peeled.default),
                required: !peeled.hasDefault && !peeled.optional,
                secret: isSecretPath(key),
                section,
                description: docs.get(key) ?? "",
            });
        }
        if (section) for (const [name, child] of Object.entries(def.shape as Record<string, Schema>)) walk(child, [...keyPath, name]);
    };
    walk(schema, []);
    return rows;
}

/** A table cell: no line breaks, no table or HTML syntax. */
function cell(text: string): string {
    return text.replace(/\s+/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\*/g, "\\*");
}

const code = (text: string) => `\`${text.replace(/\|/g, "\\|")}\``;

export function renderReference(rows: ReferenceRow[]): string {
    const lines = [
        "# Config reference",
        "",
        `<!-- Generated by \`${REGENERATE_COMMAND}\` from config/schema.ts and the doc comments of config/*.ts. Do not edit. -->`,
        "",
        `Every key lives under \`${PROJECT}:\` in \`Pulumi.<stack>.yaml\`. Set one with`,
        `\`pulumi config set --path ${PROJECT}:<key> <value>\` (add \`--secret\` for secrets). Unknown keys are errors.`,
        "Required keys inside an optional section are required only when the section is given.",
        "Rules across keys (such as the production tier's) are in config/schema.ts.",
        "",
        "| Key | Expected | Default | Required | Secret | Description |",
        "| --- | --- | --- | --- | --- | --- |",
        ...rows.map(
            (r) =>
                `| ${code(`${PROJECT}:${r.key}`)} | ${cell(r.expected)} | ${r.default === undefined ? "" : code(r.default)} | ${r.required ? "yes" : "no"} | ${r.secret ? "yes" : ""} | ${cell(r.description)} |`,
        ),
        "",
    ];
    return lines.join("\n");
}

export function generateReference(): string {
    return renderReference(referenceRows());
}

/** Keys without a doc comment: the reference would have an empty description for them. */
export function undocumentedKeys(rows: ReferenceRow[]): string[] {
    return rows.filter((r) => r.description === "").map((r) => `${PROJECT}:${r.key}`);
}

if (require.main === module) {
    const rows = referenceRows();
    fs.mkdirSync(path.dirname(REFERENCE_FILE), { recursive: true });
    fs.writeFileSync(REFERENCE_FILE, renderReference(rows));
    console.log(`wrote ${path.relative(process.cwd(), REFERENCE_FILE)} (${rows.length} keys)`);
    const undocumented = undocumentedKeys(rows);
    if (undocumented.length) console.warn(`warning: no doc comment on ${undocumented.join(", ")}; add one above the key in config/*.ts`);
}
