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
    const schema = z
        .string({ error: `expected ${expected} (a secret: set it with \`pulumi config set --secret\`)` })
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
        z
            .number({ error: `expected ${what} from ${min} to ${max}` })
            .int({ error: `expected ${what} from ${min} to ${max}` })
            .min(min, { error: `expected ${what} >= ${min}` })
            .max(max, { error: `expected ${what} <= ${max}` }),
    );
}

export function boolean() {
    return z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "expected true or false" }));
}

/*
 * Names of Kubernetes objects and references to them, each checked with the rule the API server
 * applies to that field (k8s.io/apimachinery/pkg/util/validation), so a bad name is refused here
 * and not by the API server halfway through `pulumi up`.
 */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

const isDnsLabel = (v: string) => v.length <= 63 && DNS1123_LABEL.test(v);
const isDnsSubdomain = (v: string) => v.length <= 253 && DNS1123_SUBDOMAIN.test(v);
const isLabelValue = (v: string) => v === "" || (v.length <= 63 && LABEL_NAME.test(v));
const isLabelKey = (v: string) => {
    const slash = v.indexOf("/");
    const [prefix, name] = slash < 0 ? [undefined, v] : [v.slice(0, slash), v.slice(slash + 1)];
    return (prefix === undefined || isDnsSubdomain(prefix)) && name.length <= 63 && LABEL_NAME.test(name);
};

/** A DNS-1123 label, the rule for namespace names (IsDNS1123Label). */
export const dnsLabel = (what = "a namespace name") => {
    const expected = `expected a DNS label (RFC 1123, Kubernetes' rule for ${what}: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)`;
    return z.string({ error: expected }).refine(isDnsLabel, { error: expected });
};

/** A DNS-1123 subdomain, the rule for most object names: IngressClass, StorageClass, ClusterIssuer (IsDNS1123Subdomain). */
export const dnsSubdomain = (what: string) => {
    const expected = `expected a DNS subdomain (RFC 1123, Kubernetes' rule for ${what}: at most 253 lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit)`;
    return z.string({ error: expected }).refine(isDnsSubdomain, { error: expected });
};

const LABEL_VALUE_EXPECTED =
    "expected a label value (Kubernetes' rule: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)";
const LABEL_KEY_EXPECTED =
    "expected a label key (Kubernetes' rule: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)";

/** A label value (IsValidLabelValue). */
export const labelValue = () => z.string({ error: LABEL_VALUE_EXPECTED }).refine(isLabelValue, { error: LABEL_VALUE_EXPECTED });

/** A label key (IsQualifiedName). */
export const labelKey = () => z.string({ error: LABEL_KEY_EXPECTED }).refine(isLabelKey, { error: LABEL_KEY_EXPECTED });

/** Labels to put on objects: keys and values each checked with Kubernetes' rules. */
export const labelMap = () => z.record(labelKey(), labelValue(), { error: "expected a map of label keys to label values" });

/** A container image reference; the API server refuses one with surrounding whitespace, and a pull one with any. */
export const imageReference = (example: string) =>
    z
        .string({ error: `expected a container image reference such as ${example}` })
        .regex(/^[^\s]+$/, { error: `expected a container image reference such as ${example}, without spaces` });

export const hostname = () =>
    z
        .string({ error: "expected a fully qualified host name such as api.ologywood.com" })
        .regex(HOSTNAME, { error: "expected a fully qualified host name such as api.ologywood.com" });

export const cidr = () =>
    z
        .string({ error: "expected an IPv4 CIDR block such as 10.20.0.0/24" })
        .regex(/^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/, { error: "expected an IPv4 CIDR block such as 10.20.0.0/24" })
        .refine(
            (v) =>
                v
                    .split("/")[0]
                    .split(".")
                    .every((o) => Number(o) <= 255),
            { error: "expected an IPv4 CIDR block such as 10.20.0.0/24" },
        );

export const url = (what = "an http(s) URL") =>
    z.string({ error: `expected ${what}` }).refine((v) => /^https?:\/\/[^\s/]+/.test(v), { error: `expected ${what}` });

/** An http(s) base URL without credentials or query: where clients reach a service. A URL with credentials is not echoed. */
export const publicUrl = () =>
    z.string({ error: PUBLIC_URL_EXPECTED }).superRefine((v, ctx) => {
        let url: URL | undefined;
        try {
            url = new URL(v);
        } catch {
            url = undefined;
        }
        if (url && (url.username || url.password)) {
            ctx.addIssue({
                code: "custom",
                message: `holds credentials (user:password@); ${PUBLIC_URL_EXPECTED}`,
                input: undefined,
                params: { hideValue: true },
            });
        } else if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || /\/$/.test(v) || /\s/.test(v)) {
            ctx.addIssue({ code: "custom", message: PUBLIC_URL_EXPECTED, input: v });
        }
    });

const PUBLIC_URL_EXPECTED =
    "expected an http(s) base URL without credentials, query or trailing slash, such as https://api.ologywood.com or http://127.0.0.1:8080";

export const httpPath = () =>
    z
        .string({ error: "expected an absolute URL path such as /health" })
        .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: "expected an absolute URL path such as /health" });

const CRON_EXPECTED =
    'expected a 5-field cron schedule such as "0 2 * * *" (minute hour day-of-month month day-of-week, as Kubernetes reads it) or a descriptor such as @daily';

/**
 * A Kubernetes CronJob `schedule`, checked as the API server checks it (config/cron.ts says what
 * it accepts and where we refuse more). The value is the schedule in its plain form: the same
 * string unless it used a spelling the program's other cron reader does not know (`@daily`, `?`).
 */
export const cron = () =>
    z
        .string({ error: CRON_EXPECTED })
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
    z.string({ error: "expected a CPU quantity such as 250m or 1" }).regex(/^(\d+m|\d+(\.\d+)?)$/, { error: "expected a CPU quantity such as 250m or 1" });

export const byteQuantity = () =>
    z.string({ error: "expected a size such as 256Mi or 2Gi" }).regex(/^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: "expected a size such as 256Mi or 2Gi" });

export const resources = (defaults: { cpu: string; memory: string; cpuLimit: string; memoryLimit: string }) =>
    z
        .strictObject({
            /** What the scheduler reserves for each pod. */
            requests: z
                .strictObject({
                    /** CPU request. */
                    cpu: cpuQuantity().default(defaults.cpu),
                    /** Memory request. */
                    memory: byteQuantity().default(defaults.memory),
                })
                .prefault({}),
            /** The most each pod may use; over the memory limit it is killed. */
            limits: z
                .strictObject({
                    /** CPU limit (throttled above it). */
                    cpu: cpuQuantity().default(defaults.cpuLimit),
                    /** Memory limit. */
                    memory: byteQuantity().default(defaults.memoryLimit),
                })
                .prefault({}),
        })
        .prefault({});

export type Resources = z.infer<ReturnType<typeof resources>>;

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const GIT_SHA = /^[0-9a-f]{7,40}$/;
const IMAGE_TAG_EXPECTED = "expected a semver (1.4.2, v1.4.2-rc.1) or a git sha (7 to 40 hex digits); 'latest' and empty tags are not deployable";

/** The image tag rule, shared with the commands that take a tag as an argument (release, rollback --to). */
export const imageTagSchema = z
    .string({ error: IMAGE_TAG_EXPECTED })
    .refine((v) => v !== "latest" && (SEMVER.test(v) || GIT_SHA.test(v)), { error: IMAGE_TAG_EXPECTED });

/** What is wrong with an image tag given as an argument, or undefined when it is deployable. */
export function imageTagProblem(tag: string): string | undefined {
    return imageTagSchema.safeParse(tag).success ? undefined : IMAGE_TAG_EXPECTED;
}
