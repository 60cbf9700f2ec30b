/** Kubernetes recommended labels (app.kubernetes.io/*), the same on every object we create. */

export const PART_OF = "ologywood";
export const MANAGED_BY = "pulumi";

export interface LabelContext {
    /** The stack's instance name, e.g. `ologywood-prod` (the namespace). */
    instance: string;
    /** Version deployed: the image tag. */
    version: string;
}

/** All six recommended labels; `name` is the workload, `component` its role (api, worker, ...). */
export function recommendedLabels(ctx: LabelContext, name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": ctx.instance,
        "app.kubernetes.io/version": labelValue(ctx.version),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    };
}

/**
 * The stable subset used in selectors: a Deployment's selector is immutable, so it must not
 * contain the version.
 */
export function selectorLabels(ctx: LabelContext, name: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": ctx.instance,
    };
}

/** Label values allow [A-Za-z0-9_.-] and 63 characters; a semver's '+' build metadata does not fit. */
function labelValue(v: string): string {
    return v
        .replace(/[^A-Za-z0-9_.-]/g, "_")
        .slice(0, 63)
        .replace(/[^A-Za-z0-9]+$/, "");
}
