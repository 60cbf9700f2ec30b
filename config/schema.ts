/**
 * The single source of truth for every key under `ologywood:` in Pulumi.<stack>.yaml.
 * `pulumi up`, `npm run render`, the release pipeline and the tests all parse through
 * `parseConfig` (config/load.ts). The README's config reference is generated from this file.
 */
import { z } from "zod";
import { backupSchema, databaseSchema } from "./database";
import { monitoringSchema } from "./monitoring";
import { THRESHOLDS } from "../metrics/contract";
import { mailpitSchema, postDeployCheckSchema, PRODUCTION_MIN_BAKE_SECONDS, productionMinBakeSeconds, releaseSchema } from "./release";
import { APP_ENV } from "../components/shared/names";
import { boolean, cidr, dnsLabel, dnsSubdomain, hostname, httpPath, imageTagSchema, integer, publicUrl, resources, secretString } from "./types";

export { imageTagProblem, imageTagSchema } from "./types";

/** Plain http is accepted for a webhook only on this machine (a stand-in during local tests). */
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?\/\S*$/;

/**
 * Liveness of a process that serves no HTTP: the app touches a heartbeat file while its loop runs
 * (an assumption about the image, written down in the README), and the probe checks its age.
 */
const heartbeat = () =>
    z
        .strictObject({
            /** File the process touches while its loop runs (under /tmp: the root filesystem is read-only). */
            file: z
                .string()
                .regex(/^\/[^\s'"]+$/, { error: "expected an absolute file path without spaces or quotes" })
                .default("/tmp/heartbeat"),
            /** The liveness probe fails when the file is older than this. */
            maxAgeMinutes: integer(1, 60).default(2),
        })
        .prefault({});

/** Every variable the program sets on the app's containers, from the components' own list. */
const MANAGED_APP_ENV: readonly string[] = Object.values(APP_ENV).sort();

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SECRET_ENV_NAME = /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|KEY|APIKEY|CREDENTIALS?)$/;
const PUBLIC_KEY_ENV_NAME = /(^|_)(PUBLIC|PUBLISHABLE)_KEY$/;
const URL_WITH_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s@:]*:[^/\s@]*@/;
const PLAIN_ENV_EXPECTED =
    "app.env is written in plain text into the Deployments; expected non-secret settings only (a secret needs a Kubernetes Secret, as DATABASE_URL and SMTP_PASSWORD have)";

/** `app.env`: names and values are never echoed in problems, since a mistaken one may hold a password. */
const appEnv = () =>
    z
        .record(z.string(), z.string({ error: "expected a string (quote numbers and booleans)" }), {
            error: "expected a map of environment variable names to values",
        })
        .superRefine(
            (env, ctx) => {
                // Also runs when a value is not a string, so that every problem is reported at once.
                if (typeof env !== "object" || env === null) return;
                for (const [name, value] of Object.entries(env as Record<string, unknown>)) {
                    const refuse = (message: string) => ctx.addIssue({ code: "custom", path: [name], message, input: undefined, params: { hideValue: true } });
                    if (!ENV_NAME.test(name)) {
                        refuse("is not an environment variable name the app can read; expected capitals, digits and '_', such as LOG_LEVEL");
                    } else if (MANAGED_APP_ENV.includes(name)) {
                        refuse(
                            `is set by the program itself, and a second value beside it would be ambiguous; expected a variable it does not set (it sets ${MANAGED_APP_ENV.join(", ")})`,
                        );
                    } else if (SECRET_ENV_NAME.test(name) && !PUBLIC_KEY_ENV_NAME.test(name)) {
                        refuse(`looks like a secret by its name; ${PLAIN_ENV_EXPECTED}`);
                    } else if (typeof value === "string" && URL_WITH_PASSWORD.test(value)) {
                        refuse(`holds a URL with a password in it (scheme://user:password@...); ${PLAIN_ENV_EXPECTED}`);
                    }
                }
            },
            { when: () => true },
        );

/** Namespaces the cluster itself owns (Kubernetes reserves the kube- prefix). */
const SYSTEM_NAMESPACE = /^(default|kube-.*)$/;
const SYSTEM_NAMESPACE_EXPECTED =
    "expected a namespace of this stack's own, not default or kube-* (they belong to the cluster; the program creates its namespace and `pulumi destroy` deletes it)";

const command = () =>
    z.array(z.string().min(1), { error: "expected a list of strings, e.g. [node, dist/worker.js]" }).min(1, { error: "expected a non-empty list of strings" });

export const configSchema = z
    .strictObject({
        /** Image tag to deploy: a semver or a git sha. Never `latest`: a rollback needs a fixed version. */
        imageTag: imageTagSchema,
        /** Image repository of the booking app; API, worker and email service run the same image. */
        imageRepository: z
            .string()
            .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/, { error: "expected an image repository such as ghcr.io/ologywood/booking" })
            .default("ghcr.io/ologywood/booking"),
        /** `production` turns on the rules that protect prod (>= 3 API replicas, protected database, no mail catcher). */
        tier: z.enum(["production", "staging"], { error: "expected production or staging" }),
        /** Public host name of the API. */
        domain: hostname(),
        /**
         * The URL clients use to reach the API, when it is not https://<domain> (another port, a
         * proxy in front, the local rehearsal): the `url` output, the post-deploy check and the
         * release's gates use it.
         */
        publicUrl: publicUrl().optional(),
        /**
         * Kubernetes namespace of the stack (created by the program, deleted by `pulumi destroy`): never
         * `default` or `kube-*`, which belong to the cluster.
         */
        namespace: dnsLabel().refine((v) => !SYSTEM_NAMESPACE.test(v), { error: SYSTEM_NAMESPACE_EXPECTED }),
        /** Route the public host to the maintenance page (503 + Retry-After) instead of the API. */
        maintenance: boolean().default(false),
        /** Scale API, worker and email service to zero (set by `npm run db:restore` while it restores). */
        paused: boolean().default(false),
        /** What the application offers; assumptions about the image, kept configurable. */
        app: z
            .strictObject({
                /** Port the app listens on (HTTP, /health, /metrics, tRPC). */
                port: integer(1, 65535, "a TCP port").default(3000),
                /** Answers 200 when the app is healthy; probes and the post-deploy check use it. */
                healthPath: httpPath().default("/health"),
                /** JSON metrics (error_rate, response_time_p95, db_connections, email_queue_size). */
                metricsPath: httpPath().default("/metrics"),
                /**
                 * Extra non-secret environment for all workloads (NODE_ENV, LOG_LEVEL, ...). Written in
                 * plain text into the Deployments, so it refuses what the program sets itself (DATABASE_URL,
                 * PORT, SMTP_*) and what looks secret (names ending in _PASSWORD, _PASS, _SECRET, _TOKEN,
                 * _KEY or _CREDENTIALS, except _PUBLIC_KEY and _PUBLISHABLE_KEY; URLs with a password).
                 */
                env: appEnv().default({}),
            })
            .prefault({}),
        /** The HTTP API: Deployment, Service, Ingress, autoscaler. */
        api: z.strictObject({
            /** API pods when idle: the autoscaler floor (a production tier stack needs >= 3). */
            replicas: integer(1, 100),
            /** HorizontalPodAutoscaler ceiling; must be >= replicas. */
            maxReplicas: integer(1, 200),
            /** Average CPU use (percent of requests) the autoscaler aims for. */
            targetCpuUtilizationPercent: integer(10, 100).default(70),
            /** Container command; the image's entrypoint when absent. */
            command: command().optional(),
            /** CPU and memory of each API pod. */
            resources: resources({ cpu: "250m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" }),
        }),
        /** The background worker: same image, another command. */
        worker: z.strictObject({
            /** Worker pods; 0 stops the worker. */
            replicas: integer(0, 50),
            /** Container command of the worker. */
            command: command().default(["node", "dist/worker.js"]),
            /** Liveness by heartbeat file: the process serves no HTTP. */
            heartbeat: heartbeat(),
            /** CPU and memory of each worker pod. */
            resources: resources({ cpu: "100m", memory: "192Mi", cpuLimit: "500m", memoryLimit: "384Mi" }),
        }),
        /** The email service: same image, another command; sends through `smtp`. */
        email: z.strictObject({
            /** Email service pods; 0 stops sending. */
            replicas: integer(0, 20),
            /** Container command of the email service. */
            command: command().default(["node", "dist/email.js"]),
            /** Liveness by heartbeat file: the process serves no HTTP. */
            heartbeat: heartbeat(),
            /** CPU and memory of each email service pod. */
            resources: resources({ cpu: "50m", memory: "128Mi", cpuLimit: "250m", memoryLimit: "256Mi" }),
        }),
        /** How the public host reaches the API (ingress-nginx and cert-manager). */
        ingress: z
            .strictObject({
                /** IngressClass of the ingress-nginx controller. */
                className: dnsSubdomain("IngressClass names").default("nginx"),
                /** cert-manager ClusterIssuer that signs the TLS certificate. */
                clusterIssuer: dnsSubdomain("ClusterIssuer names").default("letsencrypt-prod"),
                /** Namespace of the ingress-nginx controller, allowed to reach the API by NetworkPolicy. */
                controllerNamespace: dnsLabel().default("ingress-nginx"),
                /** ingress-nginx per-client-IP rate limit, requests per second. */
                rateLimitRps: integer(1, 10000).default(20),
            })
            .prefault({}),
        /** The mail relay the email service sends through. */
        smtp: z.strictObject({
            /** Host name of the SMTP relay. */
            host: hostname(),
            /** SMTP port (587: submission with STARTTLS). */
            port: integer(1, 65535, "a TCP port").default(587),
            /** User name at the SMTP relay. */
            user: z.string().min(1, { error: "expected the SMTP user name" }),
            /** Sender address of booking emails. */
            from: z.string().regex(/^[^@\s]+@[^@\s]+$/, { error: "expected a sender address such as bookings@ologywood.com" }),
            /** Password at the SMTP relay; kept in a Kubernetes Secret. */
            password: secretString("the SMTP password"),
            /** Where the SMTP relay lives, for the email service's egress NetworkPolicy (relays often span many IPs). */
            cidr: cidr().default("0.0.0.0/0"),
        }),
        /** Where deployment notices go. */
        slack: z.strictObject({
            /** Slack incoming webhook for deployment notices; without it the release pipeline prints them instead. */
            webhookUrl: secretString(
                "a Slack incoming webhook URL (https://hooks.slack.com/...; http only on loopback, for local tests)",
                (v) => /^https:\/\/\S+$/.test(v) || LOOPBACK_HTTP.test(v),
            ).optional(),
            /** Channel named in deployment notices. */
            channel: z
                .string()
                .regex(/^#[a-z0-9._-]+$/, { error: "expected a channel such as #ologywood-deployment" })
                .default("#ologywood-deployment"),
        }),
        /** The PostgreSQL server of this stack. */
        db: databaseSchema,
        /** Scheduled backups of the database and their verification. */
        backup: backupSchema.prefault({}),
        /** Prometheus rules, monitors and who reads them. */
        monitoring: monitoringSchema.prefault({}),
        /** How the release pipeline verifies a rollout on this stack. */
        release: releaseSchema.prefault({}),
        /** A mail catcher for staging. */
        mailpit: mailpitSchema.prefault({}),
        /** The check that makes `pulumi up` fail when the new version does not answer its public /health. */
        postDeployCheck: postDeployCheckSchema.prefault({}),
    })
    .superRefine(
        (config, ctx) => {
            // Cross-field rules. They read declared properties of the stack (tier), never its name.
            // They also run when other keys are invalid (so every problem is reported at once), hence
            // each reads only values that parsed to the expected type.
            const c = config as unknown as {
                tier?: unknown;
                paused?: unknown;
                api?: { replicas?: unknown; maxReplicas?: unknown };
                db?: { protect?: unknown };
                mailpit?: { enabled?: unknown };
                monitoring?: { enabled?: unknown };
                slack?: { webhookUrl?: unknown };
                backup?: { restore?: unknown };
                ingress?: { rateLimitRps?: unknown };
                release?: {
                    bakeSeconds?: unknown;
                    bakeIntervalSeconds?: unknown;
                    bakeFailureSamples?: unknown;
                    bakeNoDataSamples?: unknown;
                    loadTest?: unknown;
                    loadTestRps?: unknown;
                };
            };
            const num = (v: unknown) => (typeof v === "number" ? v : undefined);
            const replicas = typeof c.api?.replicas === "number" ? c.api.replicas : undefined;
            const maxReplicas = typeof c.api?.maxReplicas === "number" ? c.api.maxReplicas : undefined;
            if (replicas !== undefined && maxReplicas !== undefined && maxReplicas < replicas) {
                ctx.addIssue({
                    code: "custom",
                    path: ["api", "maxReplicas"],
                    message: `expected maxReplicas >= api.replicas (${replicas})`,
                    input: maxReplicas,
                });
            }
            if (c.backup?.restore !== undefined && c.paused !== true) {
                // A restore replaces the data under the app's feet: only while nothing runs (db:restore pauses first).
                ctx.addIssue({
                    code: "custom",
                    path: ["backup", "restore"],
                    message:
                        "expected only while ologywood:paused is true (a restore must not run under live workloads); npm run db:restore pauses them first, then sets this",
                    input: undefined,
                });
            }
            // Warnings only go to Slack: alerts with nowhere to go would be silent.
            if (c.monitoring?.enabled !== false && c.slack && c.slack.webhookUrl === undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: ["slack", "webhookUrl"],
                    input: undefined,
                    message:
                        "is required while monitoring is enabled (Alertmanager posts every alert to Slack); expected a Slack incoming webhook URL (a secret: set it with `pulumi config set --secret --path ologywood:slack.webhookUrl ...`)",
                });
            }
            const loadTestRps = num(c.release?.loadTestRps);
            const rateLimitRps = num(c.ingress?.rateLimitRps);
            const users = THRESHOLDS.loadTest.connections;
            if (c.release?.loadTest === true && loadTestRps !== undefined) {
                if (rateLimitRps !== undefined && loadTestRps > rateLimitRps) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["release", "loadTestRps"],
                        input: loadTestRps,
                        message: `expected <= ingress.rateLimitRps (${rateLimitRps}) while release.loadTest is true: the load test comes from one client IP, and above the ingress-nginx per-IP limit it would measure the limiter's 503s; lower it or raise ingress.rateLimitRps`,
                    });
                } else if (loadTestRps < users) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["release", "loadTestRps"],
                        input: loadTestRps,
                        message: `expected >= ${users} while release.loadTest is true: each of the load test's ${users} users needs at least one request a second`,
                    });
                }
            }
            if (c.tier === "production") {
                if (replicas !== undefined && replicas < 3) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["api", "replicas"],
                        message: "expected >= 3 on a production tier stack (the plan's zero-downtime promise)",
                        input: replicas,
                    });
                }
                if (c.db?.protect === false) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["db", "protect"],
                        message: "expected true on a production tier stack (the database must survive `pulumi destroy`)",
                        input: false,
                    });
                }
                const bake = [c.release?.bakeSeconds, c.release?.bakeIntervalSeconds, c.release?.bakeFailureSamples, c.release?.bakeNoDataSamples].map(num);
                if (bake.every((v) => v !== undefined)) {
                    const [bakeSeconds, bakeIntervalSeconds, bakeFailureSamples, bakeNoDataSamples] = bake as number[];
                    const min = productionMinBakeSeconds({ bakeIntervalSeconds, bakeFailureSamples, bakeNoDataSamples });
                    if (bakeSeconds < min) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["release", "bakeSeconds"],
                            input: bakeSeconds,
                            message:
                                `expected >= ${min} on a production tier stack (the release's watch on production after it deploys: at least ${PRODUCTION_MIN_BAKE_SECONDS} s, ` +
                                `and long enough for ${Math.max(bakeFailureSamples, bakeNoDataSamples)} samples ${bakeIntervalSeconds} s apart, the bake gate's longest streak to a verdict)`,
                        });
                    }
                }
                if (c.mailpit?.enabled === true) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["mailpit", "enabled"],
                        message: "expected false on a production tier stack (a mail catcher would swallow customers' email)",
                        input: true,
                    });
                }
            }
        },
        { when: () => true },
    );

export type OlogywoodConfig = z.infer<typeof configSchema>;
