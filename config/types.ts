/**
 * Building blocks for the config schema: each carries the message an operator sees when the
 * value is wrong, so every section says "what is expected" the same way.
 */
import { z } from "zod";
import { parseCron } from "./cron";

/** Schemas whose values are secrets: never echoed in errors, wrapped with pulumi.secret, redacted in renders. */
export const secretRegistry = z.registry<{ secret: true }>();

/** A required secret string (a password, a webhook URL). */
export function secretString(expected: string, check?: (value: string) => boolean) {
    const schema = z.string({ error: `expected ${expected} (a secret: set it with \`pulumi config set --secret\`)` })
        .min(1, { error: `expected ${expected}, got an empty value` })
        .refine((v) => (check ? check(v) : true), { error: `expected ${expected}` });
    schema.register(secretRegistry, { secret: true });
    return schema;
}

/**
 * Pulumi hands top-level scalar config values to the program as strings ("3", "true"), while
 * structured values arrive parsed from JSON. These accept both, strictly: "yes" is not a boolean.
 */
export function integer(min: number, max: number, what = "an integer") {
    return z.preprocess(
        (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
        z.number({ error: `expected ${what} from ${min} to ${max}` })
            .int({ error: `expected ${what} from ${min} to ${max}` })
            .min(min, { error: `expected ${what} >= ${min}` })
            .max(max, { error: `expected ${what} <= ${max}` }),
    );
}

export function boolean() {
    return z.preprocess(
        (v) => (v === "true" ? true : v === "false" ? false : v),
        z.boolean({ error: "expected true or false" }),
    );
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

export const dnsLabel = () =>
    z.string({ error: "expected a DNS label (lowercase letters, digits and '-', at most 63 characters)" })
        .regex(DNS_LABEL, { error: "expected a DNS label (lowercase letters, digits and '-', at most 63 characters)" });

export const hostname = () =>
    z.string({ error: "expected a fully qualified host name such as api.ologywood.com" })
        .regex(HOSTNAME, { error: "expected a fully qualified host name such as api.ologywood.com" });

export const cidr = () =>
    z.string({ error: "expected an IPv4 CIDR block such as 10.20.0.0/24" })
        .regex(/^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/, { error: "expected an IPv4 CIDR block such as 10.20.0.0/24" })
        .refine((v) => v.split("/")[0].split(".").every((o) => Number(o) <= 255), { error: "expected an IPv4 CIDR block such as 10.20.0.0/24" });

export const url = (what = "an http(s) URL") =>
    z.string({ error: `expected ${what}` }).refine((v) => /^https?:\/\/[^\s/]+/.test(v), { error: `expected ${what}` });

export const httpPath = () =>
    z.string({ error: "expected an absolute URL path such as /health" })
        .regex(/^\/[A-Za-z0-9._~\/-]*$/, { error: "expected an absolute URL path such as /health" });

const CRON_EXPECTED = "expected a 5-field cron schedule such as \"0 2 * * *\" (minute hour day-of-month month day-of-week, as Kubernetes reads it) or a descriptor such as @daily";

/**
 * A Kubernetes CronJob `schedule`, checked as the API server checks it (config/cron.ts says what
 * it accepts and where we refuse more). The value is the schedule in its plain form: the same
 * string unless it used a spelling the program's other cron reader does not know (`@daily`, `?`).
 */
export const cron = () =>
    z.string({ error: CRON_EXPECTED })
        .superRefine((value, ctx) => {
            const parsed = parseCron(value);
            if (!parsed.ok) ctx.addIssue({ code: "custom", message: `${parsed.problem}; ${CRON_EXPECTED}`, input: value });
        })
        .transform((value) => {
            const parsed = parseCron(value);
            return parsed.ok ? parsed.plain : value;
        });

/** Kubernetes quantities: CPU ("250m", "1") and memory/storage ("256Mi", "2Gi"). */
export const cpuQuantity = () =>
    z.string({ error: "expected a CPU quantity such as 250m or 1" })
        .regex(/^(\d+m|\d+(\.\d+)?)$/, { error: "expected a CPU quantity such as 250m or 1" });

export const byteQuantity = () =>
    z.string({ error: "expected a size such as 256Mi or 2Gi" })
        .regex(/^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: "expected a size such as 256Mi or 2Gi" });

export const resources = (defaults: { cpu: string; memory: string; cpuLimit: string; memoryLimit: string }) =>
    z.strictObject({
        /** What the scheduler reserves for each pod. */
        requests: z.strictObject({
            /** CPU request. */
            cpu: cpuQuantity().default(defaults.cpu),
            /** Memory request. */
            memory: byteQuantity().default(defaults.memory),
        }).prefault({}),
        /** The most each pod may use; over the memory limit it is killed. */
        limits: z.strictObject({
            /** CPU limit (throttled above it). */
            cpu: cpuQuantity().default(defaults.cpuLimit),
            /** Memory limit. */
            memory: byteQuantity().default(defaults.memoryLimit),
        }).prefault({}),
    }).prefault({});

export type Resources = z.infer<ReturnType<typeof resources>>;
