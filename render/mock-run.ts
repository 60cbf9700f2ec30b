/**
 * Runs the real program under the Pulumi SDK's mock runtime and records every resource it
 * registers: type, name, parent, dependencies and inputs, with secrets replaced by "[secret]".
 * One program run per process: the SDK's runtime state is global.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { REDACTED } from "../cli/redact";
import { PROJECT, toPulumiConfigMap } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import { deployStack } from "../program";

/** The marker the SDK puts on secret values it serialises (pulumi-facts §1). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export { REDACTED };

export interface RegisteredResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    dependencies: string[];
    custom: boolean;
    inputs: any;
    /** Inputs plus what the mock provider computed (auto-generated names). */
    state: any;
    /** Resource options the engine would act on (protect, retainOnDelete, ...), for tests. */
    options: {
        protect: boolean;
        retainOnDelete: boolean;
        deleteBeforeReplace: boolean;
        customTimeouts?: { create: string; update: string };
        provider?: string;
    };
}

/** Replaces every secret the SDK marked with "[secret]". */
export function redactSecrets(value: any): any {
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (value && typeof value === "object") {
        if (SECRET_SIG in value) return REDACTED;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
    }
    return value;
}

const isSecretValue = (v: any) => Boolean(v && typeof v === "object" && SECRET_SIG in v);

/**
 * A Kubernetes Secret's `data`/`stringData` arrive wrapped as one secret; showing which keys it
 * holds (never their values) keeps the render useful.
 */
function redactKubernetesSecret(inputs: any): any {
    const result = { ...inputs };
    for (const field of ["data", "stringData"]) {
        let map = result[field];
        if (isSecretValue(map)) map = map.value;
        if (map && typeof map === "object") result[field] = Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
        else if (map !== undefined) result[field] = REDACTED;
    }
    return redactSecrets(result);
}

/** What a provider would compute on create: names for auto-named objects, ids. */
function mockState(type: string, name: string, inputs: any): Record<string, any> {
    const state = { ...inputs };
    if (type.startsWith("kubernetes:") && inputs.metadata && !inputs.metadata.name) {
        // Auto-naming appends a suffix; derive it from the inputs so a change shows as a new name.
        const suffix = createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 8);
        state.metadata = { ...inputs.metadata, name: `${name}-${suffix}` };
    }
    if (type === "random:index/randomPassword:RandomPassword") {
        state.result = { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "mock-generated-password" };
    }
    return state;
}

export async function runProgramUnderMocks(stack: string, raw: Record<string, unknown>, config: OlogywoodConfig): Promise<RegisteredResource[]> {
    return runUnderMocks(stack, raw, () => {
        deployStack(config);
    });
}

/** Runs `program` (anything that declares resources) under mocks; tests use it for single components. */
export async function runUnderMocks(stack: string, raw: Record<string, unknown>, program: () => void): Promise<RegisteredResource[]> {
    const registered: RegisteredResource[] = [];
    const states = new Map<string, any>();

    // The Mocks interface does not expose parents or dependencies; the monitor's request does.
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (this: MockMonitor, req: any, callback: any) {
        return original.call(this, req, (err: any, resp: any) => {
            if (!err && resp) {
                registered.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    dependencies: req.getDependenciesList(),
                    custom: req.getCustom(),
                    options: {
                        protect: req.getProtect() ?? false,
                        retainOnDelete: req.getRetainondelete() ?? false,
                        deleteBeforeReplace: req.getDeletebeforereplace(),
                        customTimeouts: req.getCustomtimeouts() && { create: req.getCustomtimeouts().getCreate(), update: req.getCustomtimeouts().getUpdate() },
                        provider: req.getProvider() || undefined,
                    },
                    ...states.get(`${req.getType()}::${req.getName()}`),
                });
            }
            callback(err, resp);
        });
    } as any;

    // Under the real engine an error inside an apply (or any rejected promise) fails the update;
    // under mocks the SDK only raises it as an unhandled rejection, and the resource silently
    // goes missing. Collected here, it fails the render instead.
    const failures: unknown[] = [];
    const onFailure = (error: unknown) => failures.push(error);
    process.on("unhandledRejection", onFailure);
    process.on("uncaughtException", onFailure);
    try {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    const state = mockState(args.type, args.name, args.inputs);
                    const redact = args.type === "kubernetes:core/v1:Secret" ? redactKubernetesSecret : redactSecrets;
                    states.set(`${args.type}::${args.name}`, { inputs: redact(args.inputs), state: redact(state) });
                    return { id: `${args.name}-id`, state };
                },
                call: () => ({}),
            },
            PROJECT,
            stack,
            false,
        );
        pulumi.runtime.setAllConfig(toPulumiConfigMap(raw));
        program();
        await pulumi.runtime.disconnect();
        // Rejections are reported after the microtasks that caused them: let them surface.
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
        MockMonitor.prototype.registerResource = original;
        process.off("unhandledRejection", onFailure);
        process.off("uncaughtException", onFailure);
    }
    if (failures.length > 0) throw new ProgramError(failures);
    return registered;
}

/** The program failed while it ran (an error inside an apply, a rejected promise): nothing is rendered. */
export class ProgramError extends Error {
    constructor(readonly failures: unknown[]) {
        const messages = [...new Set(failures.map((f) => (f instanceof Error ? f.message : String(f))))];
        super(
            `the program failed while running (${messages.length} error${messages.length === 1 ? "" : "s"}); \`pulumi up\` would fail the same way:\n` +
                messages.map((m) => `  - ${m}`).join("\n"),
        );
        this.name = "ProgramError";
    }
}
