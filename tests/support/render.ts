/**
 * Renders for tests: the real program under the mock runtime, in this process, cached per
 * stack and overrides so that many tests can look at one render.
 */
import { RenderOptions, RenderResult, renderInProcess } from "../../render/render";

const cache = new Map<string, Promise<RenderResult>>();

export function render(stack: string, sets: string[] = []): Promise<RenderResult> {
    const options: RenderOptions = { stack, sets };
    const key = JSON.stringify(options);
    if (!cache.has(key)) cache.set(key, renderInProcess(options));
    return cache.get(key)!;
}

export const STACKS = ["staging", "prod"] as const;

export function objectsOfKind(result: RenderResult, kind: string): any[] {
    return result.objects.filter((o) => o.kind === kind);
}

export function objectNamed(result: RenderResult, kind: string, name: string): any {
    const found = result.objects.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!found)
        throw new Error(
            `no ${kind} named ${name} in the render (have: ${objectsOfKind(result, kind)
                .map((o) => o.metadata?.name)
                .join(", ")})`,
        );
    return found;
}

/** Every pod template in an object (Deployment, Job, CronJob, ...), with a label for messages. */
export function podSpecsOf(obj: any): any[] {
    if (obj.kind === "CronJob") return [obj.spec?.jobTemplate?.spec?.template?.spec].filter(Boolean);
    if (obj.kind === "Pod") return [obj.spec];
    return [obj.spec?.template?.spec].filter(Boolean);
}
