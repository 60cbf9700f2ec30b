import * as assert from "assert";
import { SECRET_PATHS, fromPulumiConfigMap, parseConfig, toPulumiConfigMap } from "../../config/load";
import { THRESHOLDS } from "../../metrics/contract";
import { labelMap } from "../../config/types";
import { APP_ENV } from "../../components/shared/names";
import { prepareConfig } from "../../render/render";
import { render } from "../support/render";

function validRaw(): Record<string, unknown> {
    return structuredClone(prepareConfig({ stack: "staging" }).raw);
}

/** The problems of a config, none when it is valid. */
function issues(raw: Record<string, unknown>) {
    const parsed = parseConfig(raw);
    return parsed.ok ? [] : parsed.problems;
}

function problems(raw: Record<string, unknown>) {
    const parsed = parseConfig(raw);
    assert.ok(!parsed.ok, "expected the config to be rejected");
    return parsed.problems;
}

describe("config schema (config/schema.ts)", () => {
    it("accepts both stack files of the repo, with placeholders only for the absent secrets", () => {
        for (const stack of ["staging", "prod"]) {
            const prepared = prepareConfig({ stack });
            // The secrets the stack needs: the DBA's role passwords only with db.mode external.
            assert.deepStrictEqual(
                prepared.placeholders.sort(),
                SECRET_PATHS.filter((p) => !p.startsWith("db.credentials."))
                    .map((p) => `ologywood:${p}`)
                    .sort(),
            );
        }
    });

    it("knows its secrets from the schema itself", () => {
        assert.deepStrictEqual([...SECRET_PATHS].sort(), [
            "db.adminPassword",
            "db.credentials.app",
            "db.credentials.backup",
            "db.credentials.monitoring",
            "db.credentials.owner",
            "monitoring.pagerDutyRoutingKey",
            "slack.webhookUrl",
            "smtp.password",
        ]);
    });

    it("keeps prod's stack file to the production rules and staging smaller", () => {
        const prod = prepareConfig({ stack: "prod" }).config;
        const staging = prepareConfig({ stack: "staging" }).config;
        assert.strictEqual(prod.tier, "production");
        assert.ok(prod.api.replicas >= 3, "prod runs at least 3 API replicas");
        assert.ok(staging.api.replicas < prod.api.replicas, "staging is smaller than prod");
        assert.strictEqual(prod.db.protect, true);
        assert.strictEqual(prod.mailpit.enabled, false);
    });

    it("reads Pulumi's flat map: top-level scalars arrive as strings, objects as JSON", () => {
        const raw = validRaw();
        const flat = toPulumiConfigMap(raw);
        flat["ologywood:maintenance"] = "true";
        flat["kubernetes:context"] = "ignored";
        const parsed = parseConfig(fromPulumiConfigMap(flat));
        assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
        assert.strictEqual(parsed.config.maintenance, true);
        assert.strictEqual(parsed.config.api.replicas, (raw.api as any).replicas);
    });

    it("names an unknown key with a did-you-mean hint and the keys it expected", () => {
        const raw = validRaw();
        (raw.api as any).replicsa = 3;
        const [problem] = problems(raw);
        assert.strictEqual(problem.key, "ologywood:api.replicsa");
        assert.match(problem.message, /unknown key \(did you mean 'replicas'\?\)/);
        assert.match(problem.message, /maxReplicas/);
    });

    it("reports every problem at once, each with its key, the bad value and what is expected", () => {
        const raw = validRaw();
        raw.imageTag = "latest";
        raw.namespace = "Ologywood_Prod";
        (raw.db as any).port = 70000;
        const found = problems(raw);
        assert.deepStrictEqual(found.map((p) => p.key).sort(), ["ologywood:db.port", "ologywood:imageTag", "ologywood:namespace"]);
        const byKey = Object.fromEntries(found.map((p) => [p.key, p.message]));
        assert.match(byKey["ologywood:imageTag"], /got "latest"; expected a semver/);
        assert.match(byKey["ologywood:namespace"], /got "Ologywood_Prod"; expected a DNS label/);
        assert.match(byKey["ologywood:db.port"], /got 70000; expected a TCP port <= 65535/);
    });

    it("never echoes a secret's value, even when it is the bad one", () => {
        const raw = validRaw();
        (raw.slack as any).webhookUrl = "http://not-https.example/hunter2-token";
        const [problem] = problems(raw);
        assert.strictEqual(problem.key, "ologywood:slack.webhookUrl");
        assert.ok(!problem.message.includes("hunter2"), problem.message);
        assert.match(problem.message, /expected a Slack incoming webhook URL/);
    });

    it("does not echo objects either, since they may hold secrets", () => {
        const raw = validRaw();
        raw.smtp = "smtp.example.com:hunter2";
        const [problem] = problems(raw);
        assert.strictEqual(problem.key, "ologywood:smtp");
        raw.smtp = { host: "smtp.example.com", user: "u", from: "a@b.c", password: "hunter2", cidr: [1] };
        const messages = problems(raw)
            .map((p) => p.message)
            .join("\n");
        assert.ok(!messages.includes("hunter2"), messages);
    });

    it("applies the production tier's rules from the stack file, not the stack's name", () => {
        const raw = validRaw();
        raw.tier = "production";
        (raw.api as any).replicas = 2;
        const keys = problems(raw)
            .map((p) => p.key)
            .sort();
        assert.deepStrictEqual(keys, ["ologywood:api.replicas", "ologywood:db.protect", "ologywood:mailpit.enabled", "ologywood:release.bakeSeconds"]);
    });

    it("reports the cross-field rules together with the other problems", () => {
        const raw = validRaw();
        raw.tier = "production";
        raw.imageTag = "latest";
        (raw.api as any).replicas = 2;
        (raw.db as any).port = "x";
        const keys = problems(raw)
            .map((p) => p.key)
            .sort();
        assert.deepStrictEqual(keys, [
            "ologywood:api.replicas",
            "ologywood:db.port",
            "ologywood:db.protect",
            "ologywood:imageTag",
            "ologywood:mailpit.enabled",
            "ologywood:release.bakeSeconds",
        ]);
    });

    it("says a section must be an object when it is not", () => {
        const raw = validRaw();
        raw.ingress = 3;
        const [problem] = problems(raw);
        assert.strictEqual(problem.key, "ologywood:ingress");
        assert.strictEqual(problem.message, "got 3; expected an object (a section of keys)");
    });

    it("rejects an autoscaler ceiling below the floor", () => {
        const raw = validRaw();
        (raw.api as any).maxReplicas = 1;
        const [problem] = problems(raw);
        assert.strictEqual(problem.key, "ologywood:api.maxReplicas");
        assert.match(problem.message, /expected maxReplicas >= api.replicas \(2\)/);
    });

    it("accepts semvers and git shas as image tags, and nothing else", () => {
        for (const tag of ["1.4.2", "v1.4.2-rc.1", "0.1.0+build.7", "a1b2c3d", "0123456789abcdef0123456789abcdef01234567"]) {
            const raw = validRaw();
            raw.imageTag = tag;
            assert.ok(parseConfig(raw).ok, `expected ${tag} to be accepted`);
        }
        for (const tag of ["", "latest", "1.4", "main", "A1B2C3D", "v1.4.2 "]) {
            const raw = validRaw();
            raw.imageTag = tag;
            assert.strictEqual(problems(raw)[0].key, "ologywood:imageTag", `expected ${JSON.stringify(tag)} to be rejected`);
        }
    });
});

describe("config values that become Kubernetes names (checked with the API server's rule for each field)", () => {
    const set = (raw: Record<string, unknown>, key: string, value: unknown) => {
        const parts = key.split(".");
        let node: any = raw;
        for (const p of parts.slice(0, -1)) node = node[p] ??= {};
        node[parts[parts.length - 1]] = value;
    };
    const long = (n: number) => "a".repeat(n);

    /** [key, value, the rule the message must name] */
    const REFUSED: [string, unknown, string][] = [
        ["namespace", "ologywood_prod", "expected a DNS label (RFC 1123, Kubernetes' rule for a namespace name"],
        ["namespace", long(64), "at most 63 lowercase letters"],
        ["namespace", "-ologywood", "starting and ending with a letter or digit"],
        ["namespace", "kube-system", "expected a namespace of this stack's own, not default or kube-*"],
        ["namespace", "kube-public", "not default or kube-*"],
        ["namespace", "default", "not default or kube-*"],
        ["ingress.controllerNamespace", "Ingress-Nginx", "expected a DNS label (RFC 1123"],
        ["monitoring.prometheusNamespace", "monitoring.svc", "expected a DNS label (RFC 1123"],
        ["ingress.className", "Nginx", "expected a DNS subdomain (RFC 1123, Kubernetes' rule for IngressClass names"],
        ["ingress.className", "nginx_public", "expected a DNS subdomain"],
        ["ingress.clusterIssuer", "letsencrypt prod", "expected a DNS subdomain (RFC 1123, Kubernetes' rule for ClusterIssuer names"],
        ["ingress.clusterIssuer", "", "expected a DNS subdomain"],
        ["backup.storageClass", "SSD-Retain", "expected a DNS subdomain (RFC 1123, Kubernetes' rule for StorageClass names"],
        ["backup.storageClass", `${long(250)}.ssd`, "at most 253"],
        ["backup.image", " postgres:16-bookworm", "expected a container image reference such as postgres:16-bookworm, without spaces"],
    ];
    for (const [key, value, rule] of REFUSED) {
        it(`refuses ${key} = ${JSON.stringify(value).slice(0, 40)}`, () => {
            const raw = validRaw();
            set(raw, key, value);
            const found = problems(raw);
            assert.deepStrictEqual(
                found.map((p) => p.key),
                [`ologywood:${key}`],
            );
            assert.ok(found[0].message.includes(rule), found[0].message);
            assert.ok(found[0].message.startsWith(`got ${JSON.stringify(value)}; `), found[0].message);
        });
    }

    const ACCEPTED: [string, unknown][] = [
        ["namespace", "ologywood-qa-2"],
        ["namespace", long(63)],
        ["namespace", "kubernetes-apps"],
        ["ingress.controllerNamespace", "kube-system"], // someone else's namespace may be a system one
        ["ingress.className", "nginx.internal"],
        ["ingress.clusterIssuer", "letsencrypt-prod.v2"],
        ["backup.storageClass", `${long(63)}.${long(63)}.${long(63)}.${long(61)}`],
        ["backup.storageClass", `${long(100)}`], // a subdomain's parts are not limited to 63
    ];
    for (const [key, value] of ACCEPTED) {
        it(`accepts ${key} = ${JSON.stringify(value).slice(0, 40)}`, () => {
            const raw = validRaw();
            set(raw, key, value);
            const parsed = parseConfig(raw);
            assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
        });
    }
});

describe("app.env: plain settings only, none the program sets itself", () => {
    const withEnv = (env: Record<string, unknown>) => {
        const raw = validRaw();
        raw.app = { ...(raw.app as object), env };
        return raw;
    };

    it("takes the names the program manages from the components (components/shared/names.ts)", () => {
        // Every one of them is refused, with the list in the message.
        for (const name of Object.values(APP_ENV)) {
            const [problem] = problems(withEnv({ [name]: "x" }));
            assert.strictEqual(problem.key, `ologywood:app.env.${name}`);
            assert.match(
                problem.message,
                /^is set by the program itself, .*expected a variable it does not set \(it sets DATABASE_URL, PORT, SMTP_FROM, SMTP_HOST, SMTP_PASSWORD, SMTP_PORT, SMTP_USER\)$/,
            );
        }
    });

    it("the names it manages are the names the rendered workloads carry", async function () {
        this.timeout(300000);
        const { objects } = await render("staging");
        const envNames = new Set(
            objects
                .filter((o) => o.kind === "Deployment" && /^ologywood-(api|worker|email)$/.test(o.metadata.name))
                .flatMap((o) => o.spec.template.spec.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.name))),
        );
        assert.deepStrictEqual([...envNames].sort(), Object.values(APP_ENV).sort());
    });

    const REFUSED: [string, string, string][] = [
        ["DATABASE_URL", "postgres://app:Hunter2-Env@db:5432/x", "is set by the program itself"],
        ["SMTP_PASSWORD", "Hunter2-Env", "is set by the program itself"],
        ["PORT", "8080", "is set by the program itself"],
        ["STRIPE_API_KEY", "sk_live_Hunter2-Env", "looks like a secret by its name; app.env is written in plain text into the Deployments"],
        ["SESSION_SECRET", "Hunter2-Env", "looks like a secret by its name"],
        ["GITHUB_TOKEN", "Hunter2-Env", "looks like a secret by its name"],
        ["REDIS_PASSWORD", "Hunter2-Env", "looks like a secret by its name"],
        ["DB_PASS", "Hunter2-Env", "looks like a secret by its name"],
        ["GCP_CREDENTIALS", "Hunter2-Env", "looks like a secret by its name"],
        ["REDIS_URL", "redis://default:Hunter2-Env@redis:6379/0", "holds a URL with a password in it (scheme://user:password@...)"],
        ["AMQP_URL", "amqps://app:Hunter2-Env@mq.internal/vhost", "holds a URL with a password in it"],
        ["log_level", "Hunter2-Env", "is not an environment variable name the app can read"],
    ];
    for (const [name, value, message] of REFUSED) {
        it(`refuses ${name} without echoing its value`, () => {
            const [problem, ...more] = problems(withEnv({ NODE_ENV: "production", [name]: value }));
            assert.deepStrictEqual(more, []);
            assert.strictEqual(problem.key, `ologywood:app.env.${name}`);
            assert.ok(problem.message.includes(message), problem.message);
            assert.ok(!problem.message.includes("Hunter2"), problem.message);
        });
    }

    it("accepts plain settings, public keys and URLs without a password", () => {
        const parsed = parseConfig(
            withEnv({
                NODE_ENV: "production",
                LOG_LEVEL: "info",
                STRIPE_PUBLISHABLE_KEY: "pk_live_x",
                VAPID_PUBLIC_KEY: "BNc",
                CACHE_TTL_SECONDS: "60",
                PUBLIC_URL: "https://api.ologywood.com",
                SENTRY_DSN: "https://abc@o1.ingest.sentry.io/1",
            }),
        );
        assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
    });

    it("reports a bad name and a non-string value together", () => {
        const found = problems(withEnv({ lower: "x", RETRIES: 3 }));
        assert.deepStrictEqual(found.map((p) => [p.key, p.message]).sort(), [
            ["ologywood:app.env.RETRIES", "got 3; expected a string (quote numbers and booleans)"],
            ["ologywood:app.env.lower", "is not an environment variable name the app can read; expected capitals, digits and '_', such as LOG_LEVEL"],
        ]);
    });
});

describe("release gates that a stack file cannot switch off", () => {
    const prodWith = (release: Record<string, unknown>, stack = "prod") => {
        const raw = structuredClone(prepareConfig({ stack }).raw);
        raw.release = { ...(raw.release as object), ...release };
        return raw;
    };

    for (const [what, release, min] of [
        ["no bake at all", { bakeSeconds: 0 }, 600],
        ["a bake just under 600 s", { bakeSeconds: 599 }, 600],
        ["a bake shorter than the gate's longest streak (5 no-data samples 300 s apart)", { bakeSeconds: 900, bakeIntervalSeconds: 300 }, 1500],
        ["a bake shorter than 20 failure samples 60 s apart", { bakeSeconds: 1000, bakeIntervalSeconds: 60, bakeFailureSamples: 20 }, 1200],
    ] as [string, Record<string, unknown>, number][]) {
        it(`refuses ${what} on a production tier stack`, () => {
            const [problem, ...more] = problems(prodWith(release));
            assert.deepStrictEqual(more, []);
            assert.strictEqual(problem.key, "ologywood:release.bakeSeconds");
            assert.match(problem.message, new RegExp(`^got ${release.bakeSeconds}; expected >= ${min} on a production tier stack \\(`));
        });
    }

    it("accepts the minimum bake on production, and any bake (even none) on staging", () => {
        for (const raw of [
            prodWith({ bakeSeconds: 600 }),
            prodWith({ bakeSeconds: 1500, bakeIntervalSeconds: 300 }),
            prodWith({ bakeSeconds: 0 }, "staging"),
        ]) {
            const parsed = parseConfig(raw);
            assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
        }
    });

    it("refuses a load test faster than the ingress rate limit, and one slower than a request a second per user", () => {
        const staging = (release: Record<string, unknown>) => prodWith(release, "staging");
        const [tooFast] = problems(staging({ loadTestRps: 61 }));
        assert.strictEqual(tooFast.key, "ologywood:release.loadTestRps");
        assert.match(
            tooFast.message,
            /^got 61; expected <= ingress\.rateLimitRps \(60\) while release\.loadTest is true: the load test comes from one client IP/,
        );
        const [tooSlow] = problems(staging({ loadTestRps: 49 }));
        assert.strictEqual(tooSlow.key, "ologywood:release.loadTestRps");
        assert.strictEqual(
            tooSlow.message,
            `got 49; expected >= ${THRESHOLDS.loadTest.connections} while release.loadTest is true: each of the load test's ${THRESHOLDS.loadTest.connections} users needs at least one request a second`,
        );
        // A default the rule refuses is shown as one: the stack file does not say it.
        const lowLimit = staging({});
        lowLimit.ingress = { ...(lowLimit.ingress as object), rateLimitRps: 20 };
        assert.match(problems(lowLimit)[0].message, /^got 50 \(the default\); expected <= ingress\.rateLimitRps \(20\)/);
        // Without the load test the rate means nothing.
        assert.ok(parseConfig(staging({ loadTest: false, loadTestRps: 1000 })).ok);
        assert.ok(parseConfig(staging({ loadTest: false, loadTestRps: 1 })).ok);
    });
});

describe("label building blocks (config/types.ts), for config maps that become labels", () => {
    it("checks keys and values with Kubernetes' label rules", () => {
        const labels = labelMap();
        for (const ok of [
            { release: "kube-prometheus-stack" },
            { "app.kubernetes.io/part-of": "ologywood" },
            { team: "" },
            { "example.com/Tier_1": "A.b-c_9" },
        ]) {
            assert.ok(labels.safeParse(ok).success, JSON.stringify(ok));
        }
        for (const [bad, message] of [
            [{ release: "kube prometheus" }, "expected a label value"],
            [{ release: "-stack" }, "expected a label value"],
            [{ release: "a".repeat(64) }, "expected a label value"],
            [{ "Example.com/x": "v" }, "expected a label key"],
            [{ "a/b/c": "v" }, "expected a label key"],
            [{ "": "v" }, "expected a label key"],
            [{ [`x/${"a".repeat(64)}`]: "v" }, "expected a label key"],
        ] as [Record<string, string>, string][]) {
            const result = labels.safeParse(bad);
            assert.ok(!result.success, JSON.stringify(bad));
            assert.ok(
                result.error.issues.some((i) => JSON.stringify(i).includes(message)),
                JSON.stringify(result.error.issues),
            );
        }
    });
});

describe("config: who manages the database (db.mode)", () => {
    const withDb = (db: Record<string, unknown>) => {
        const raw = validRaw();
        raw.db = { ...(raw.db as object), ...db };
        return raw;
    };

    it("managed (the default) needs the admin role and its password", () => {
        const raw = withDb({});
        delete (raw.db as any).adminUser;
        delete (raw.db as any).adminPassword;
        const found = issues(raw);
        assert.deepStrictEqual(found.map((p) => p.key).sort(), ["ologywood:db.adminPassword", "ologywood:db.adminUser"]);
        assert.match(
            found.find((p) => p.key === "ologywood:db.adminPassword")!.message,
            /required with db\.mode managed.*pulumi config set --secret --path ologywood:db\.adminPassword/,
        );
    });

    it("external needs the four roles' passwords, and no admin", () => {
        const raw = withDb({ mode: "external" });
        delete (raw.db as any).adminUser;
        delete (raw.db as any).adminPassword;
        delete (raw.db as any).credentials;
        const [problem] = issues(raw);
        assert.strictEqual(problem.key, "ologywood:db.credentials");
        assert.match(problem.message, /required with db\.mode external: expected the app, backup, monitoring and owner roles' passwords/);
        const complete = withDb({ mode: "external", credentials: { app: "a-secret-1", backup: "b-secret-2", monitoring: "m-secret-3", owner: "o-secret-4" } });
        delete (complete.db as any).adminUser;
        delete (complete.db as any).adminPassword;
        assert.deepStrictEqual(issues(complete), []);
    });

    it("the roles' passwords are secrets: never echoed, wrapped as secrets, redacted in renders", () => {
        for (const role of ["app", "backup", "monitoring", "owner"]) assert.ok(SECRET_PATHS.includes(`db.credentials.${role}`), role);
        const raw = withDb({ mode: "external", credentials: { app: 5, backup: "", monitoring: "m-secret-3", owner: "o-secret-4" } });
        const text = JSON.stringify(issues(raw));
        assert.match(text, /db\.credentials\.app/);
        assert.doesNotMatch(text, /m-secret-3|o-secret-4/);
    });

    it("an unknown mode is refused with the two that exist", () => {
        const [problem] = issues(withDb({ mode: "dba" }));
        assert.strictEqual(problem.key, "ologywood:db.mode");
        assert.match(problem.message, /expected managed or external/);
    });
});

describe("config: publicUrl and loopback webhooks", () => {
    it("publicUrl takes an http(s) base URL without credentials, query or trailing slash", () => {
        for (const ok of ["https://api.ologywood.com", "http://127.0.0.1:8443"]) assert.deepStrictEqual(issues({ ...validRaw(), publicUrl: ok }), [], ok);
        for (const bad of ["ftp://x", "https://u:p@host", "https://host/", "https://host?x=1", "not a url"]) {
            const [problem] = issues({ ...validRaw(), publicUrl: bad });
            assert.strictEqual(problem?.key, "ologywood:publicUrl", bad);
            assert.doesNotMatch(problem.message, /u:p@/);
        }
    });

    it("a Slack webhook is https, or http on this machine only (a stand-in in local tests)", () => {
        const slack = (webhookUrl: string) => issues({ ...validRaw(), slack: { webhookUrl } }).filter((p) => p.key === "ologywood:slack.webhookUrl");
        assert.deepStrictEqual(slack("https://hooks.slack.com/services/T/B/x"), []);
        assert.deepStrictEqual(slack("http://127.0.0.1:9911/services/T/B/x"), []);
        assert.strictEqual(slack("http://hooks.example.com/services/T/B/x").length, 1);
        assert.strictEqual(slack("http://127.0.0.1.evil.example/services").length, 1);
    });
});
