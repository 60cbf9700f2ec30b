/**
 * Validates Kubernetes objects against the OpenAPI schemas that kubernetes-models (built-in API)
 * and @kubernetes-models/* (custom resources) ship, compiled into validators. Two checks:
 *
 * 1. the model's own validator: types, required fields, enums, formats;
 * 2. a strict check for fields the schema does not know (a misspelled `imagePullPolcy`), which the
 *    models do not do: their validators never reject extra properties. They do read every field
 *    their schema declares (and iterate the keys of maps), so the object is handed to the validator
 *    behind a proxy that records which fields of each node it read. A key the validator never read,
 *    in a node where it read some, is not in the schema. Nodes it read nothing of are free-form in
 *    the schema (x-kubernetes-preserve-unknown-fields) and stay unchecked, as the API server does.
 *
 * A kind with no model fails, so that nothing goes unchecked silently.
 */

export interface KubeObjectLike {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: string; namespace?: string };
    [field: string]: unknown;
}

/** Groups served by a package other than kubernetes-models (which has the whole built-in API). */
const GROUP_PACKAGES: Record<string, string> = {
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "acme.cert-manager.io": "@kubernetes-models/cert-manager",
};

interface ModelClass {
    apiVersion: string;
    kind: string;
    prototype: { validate(): void };
}

const models = new Map<string, Promise<ModelClass>>();

/** The module that models `apiVersion`/`kind`, e.g. `kubernetes-models/apps/v1/Deployment`. */
export function modelModule(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    const pkg = GROUP_PACKAGES[group] ?? "kubernetes-models";
    return `${pkg}/${group ? `${group}/` : ""}${version}/${kind}`;
}

/** The model class of a kind; rejects when no installed package models it. */
export function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
    const key = `${apiVersion} ${kind}`;
    if (!models.has(key)) {
        const specifier = modelModule(apiVersion, kind);
        models.set(
            key,
            (async () => {
                let mod: any;
                try {
                    // The models are ESM-only; a dynamic import works from CommonJS.
                    mod = await import(specifier);
                } catch (e) {
                    throw new Error(
                        `no schema for ${key}: ${specifier} cannot be loaded (${(e as Error).message.split("\n")[0]}); ` +
                            `add the @kubernetes-models package that models it to GROUP_PACKAGES in tests/support/kube-validate.ts`,
                        { cause: e },
                    );
                }
                const model = mod[kind] as ModelClass | undefined;
                // Sub-schemas (DeploymentSpec) are exported too; only a top-level kind has these statics.
                if (!model || model.apiVersion !== apiVersion || model.kind !== kind) {
                    throw new Error(`no schema for ${key}: ${specifier} is not a top-level ${kind} of ${apiVersion}`);
                }
                return model;
            })(),
        );
    }
    return models.get(key)!;
}

const pointer = (path: readonly string[]) => (path.length ? "/" + path.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/") : "/");

/** Wraps `value` so that every property read of every nested object is recorded by path. */
function tracked(value: unknown, path: string[], reads: Map<string, Set<string>>): unknown {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value as object, {
        get(target, prop, receiver) {
            const child = Reflect.get(target, prop, receiver);
            if (typeof prop !== "string") return child;
            const key = JSON.stringify(path);
            if (!reads.has(key)) reads.set(key, new Set());
            reads.get(key)!.add(prop);
            return tracked(child, [...path, prop], reads);
        },
    });
}

function unknownFields(value: unknown, path: string[], reads: Map<string, Set<string>>): string[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, [...path, String(i)], reads));
    const read = reads.get(JSON.stringify(path));
    const own = Object.keys(value).filter((k) => (value as any)[k] !== undefined);
    const here = read && read.size > 0 ? own.filter((k) => !read.has(k)).map((k) => `${pointer([...path, k])}: unknown field (not in the schema)`) : [];
    return [...here, ...own.flatMap((k) => unknownFields((value as any)[k], [...path, k], reads))];
}

export function describeKubeObject(obj: KubeObjectLike): string {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
    return `${String(obj.kind)} ${ns}${obj.metadata?.name ?? "(unnamed)"}`;
}

/** Every schema problem of one object, as `<pointer>: <what is wrong>`; [] when it is valid. */
export async function schemaProblems(obj: KubeObjectLike): Promise<string[]> {
    if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string") {
        return ["/: apiVersion and kind must be strings"];
    }
    const model = await modelFor(obj.apiVersion, obj.kind);
    const reads = new Map<string, Set<string>>();
    const problems: string[] = [];
    try {
        model.prototype.validate.call(tracked(obj, [], reads));
    } catch (e: any) {
        const errors: any[] | undefined = e?.errors;
        if (!Array.isArray(errors)) throw e;
        problems.push(
            ...errors.map((err) => `${err.instancePath || "/"}: ${err.message}${err.params?.allowedValues ? ` (${err.params.allowedValues.join(", ")})` : ""}`),
        );
    }
    problems.push(...unknownFields(obj, [], reads));
    return problems;
}

/** Problems of many objects, each prefixed with the object it belongs to. */
export async function validateObjects(objects: KubeObjectLike[]): Promise<string[]> {
    const all = await Promise.all(
        objects.map(async (o) => {
            try {
                return (await schemaProblems(o)).map((p) => `${describeKubeObject(o)}: ${p}`);
            } catch (e) {
                return [`${describeKubeObject(o)}: ${(e as Error).message}`];
            }
        }),
    );
    return all.flat();
}
