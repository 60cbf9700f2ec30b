/**
 * Bad config through the real render CLI (cli/render.ts, as `npm run render -- <stack> ...` runs
 * it): exit code 2 (refused), every bad key named on stderr with what is expected, no secret value on the
 * console, and nothing written (the --out directory does not exist afterwards).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = path.join(REPO, "cli", "render.ts");

/** Real-looking secrets given to every run, none of which may ever reach the console. */
const SECRETS: Record<string, string> = {
    "db.adminPassword": "Db-Adm1n-S3cret-7f3a",
    "smtp.password": "Smtp-S3cret-Value-91c2",
    "slack.webhookUrl": "https://hooks.slack.com/services/T0000/B0000/Sl4ckS3cretTok3n",
};

interface Case {
    what: string;
    stack: "staging" | "prod";
    sets: string[];
    /** Each bad key (without the prefix) and a part of what its message must say is expected. */
    expect: [key: string, expected: string][];
    /** Values that must not be echoed (bad secrets). */
    hidden?: string[];
}

const CASES: Case[] = [
    {
        what: "an unknown top-level key, with a suggestion",
        stack: "staging",
        sets: ["imageTagg=1.2.3"],
        expect: [["imageTagg", "unknown key (did you mean 'imageTag'?)"]],
    },
    { what: "a typo in a nested key", stack: "staging", sets: ["api.replicaz=3"], expect: [["api.replicaz", "unknown key (did you mean 'replicas'?)"]] },
    { what: "a typo in a section name", stack: "prod", sets: ["smtpp.host=smtp.example.com"], expect: [["smtpp", "unknown key (did you mean 'smtp'?)"]] },
    {
        what: "an unknown key deep in a section",
        stack: "prod",
        sets: ["api.resources.limits.gpu=1"],
        expect: [["api.resources.limits.gpu", "unknown key (did you mean 'cpu'?); expected one of: cpu, memory"]],
    },
    { what: "imageTag latest", stack: "prod", sets: ["imageTag=latest"], expect: [["imageTag", "expected a semver (1.4.2, v1.4.2-rc.1) or a git sha"]] },
    { what: "an empty imageTag", stack: "staging", sets: ["imageTag="], expect: [["imageTag", "expected a semver"]] },
    {
        what: "an imageTag that is neither semver nor sha",
        stack: "staging",
        sets: ["imageTag=release-7"],
        expect: [["imageTag", "'latest' and empty tags are not deployable"]],
    },
    { what: "prod with 2 API replicas", stack: "prod", sets: ["api.replicas=2"], expect: [["api.replicas", "expected >= 3 on a production tier stack"]] },
    { what: "zero API replicas", stack: "staging", sets: ["api.replicas=0"], expect: [["api.replicas", "expected an integer >= 1"]] },
    {
        what: "an autoscaler ceiling below the floor",
        stack: "staging",
        sets: ["api.maxReplicas=1"],
        expect: [["api.maxReplicas", "expected maxReplicas >= api.replicas (2)"]],
    },
    {
        what: "a CIDR with a /33 mask",
        stack: "prod",
        sets: ["db.cidr=10.10.0.0/33"],
        expect: [["db.cidr", "expected an IPv4 CIDR block such as 10.20.0.0/24"]],
    },
    { what: "a CIDR with an octet over 255", stack: "staging", sets: ["smtp.cidr=300.1.1.0/24"], expect: [["smtp.cidr", "expected an IPv4 CIDR block"]] },
    {
        what: "a cron schedule in words",
        stack: "prod",
        sets: ["backup.schedule=every night"],
        expect: [["backup.schedule", "expected a 5-field cron schedule"]],
    },
    {
        what: "a 6-field cron schedule",
        stack: "staging",
        sets: ["backup.verifySchedule=0 30 3 * * *"],
        expect: [["backup.verifySchedule", "expected a 5-field cron schedule"]],
    },
    {
        what: "a cron minute out of range",
        stack: "prod",
        sets: ["backup.schedule=99 * * * *"],
        expect: [["backup.schedule", 'got "99 * * * *"; minute 99 is out of range 0-59']],
    },
    {
        what: "Sunday as day of week 7, which Kubernetes' cron parser refuses",
        stack: "staging",
        sets: ["backup.verifySchedule=30 4 * * 7"],
        expect: [["backup.verifySchedule", "day of week 7 is out of range 0-6"]],
    },
    {
        what: "a cron hour range past 23",
        stack: "prod",
        sets: ["backup.verifySchedule=0 20-25 * * *"],
        expect: [["backup.verifySchedule", "hour 25 is out of range 0-23"]],
    },
    {
        what: "a cron schedule that never runs (February 30)",
        stack: "staging",
        sets: ["backup.schedule=0 0 30 2 *"],
        expect: [["backup.schedule", "never runs"]],
    },
    {
        what: "a time zone inside the cron schedule",
        stack: "prod",
        sets: ["backup.schedule=CRON_TZ=Europe/Paris 0 2 * * *"],
        expect: [["backup.schedule", "names a time zone"]],
    },
    {
        what: "an unknown cron descriptor",
        stack: "staging",
        sets: ["backup.schedule=@nightly"],
        expect: [["backup.schedule", "is not a descriptor Kubernetes knows"]],
    },
    {
        what: "a CPU quantity in words",
        stack: "prod",
        sets: ["api.resources.requests.cpu=lots"],
        expect: [["api.resources.requests.cpu", "expected a CPU quantity such as 250m or 1"]],
    },
    {
        what: "a memory size with a decimal unit suffix",
        stack: "staging",
        sets: ["worker.resources.limits.memory=1GB"],
        expect: [["worker.resources.limits.memory", "expected a size such as 256Mi or 2Gi"]],
    },
    {
        what: "a storage size that is a number of nothing",
        stack: "prod",
        sets: ["backup.storageSize=big"],
        expect: [["backup.storageSize", "expected a size such as 256Mi or 2Gi"]],
    },
    { what: "maintenance as yes", stack: "prod", sets: ["maintenance=yes"], expect: [["maintenance", "expected true or false"]] },
    { what: "maintenance as 1", stack: "staging", sets: ["maintenance=1"], expect: [["maintenance", "expected true or false"]] },
    {
        what: "the SMTP password set to empty",
        stack: "prod",
        sets: ["smtp.password="],
        expect: [["smtp.password", "expected the SMTP password, got an empty value"]],
    },
    {
        what: "the database admin password set to empty",
        stack: "staging",
        sets: ["db.adminPassword="],
        expect: [["db.adminPassword", "expected the admin role's password, got an empty value"]],
    },
    {
        what: "a Slack webhook that is not https (a secret: its value is not echoed)",
        stack: "prod",
        sets: ["slack.webhookUrl=http://hooks.example/NotShownS3cret"],
        expect: [["slack.webhookUrl", "expected a Slack incoming webhook URL"]],
        hidden: ["NotShownS3cret"],
    },
    {
        what: "a domain that is not a host name",
        stack: "staging",
        sets: ["domain=Staging_Ologywood"],
        expect: [["domain", "expected a fully qualified host name"]],
    },
    { what: "a namespace with capitals", stack: "prod", sets: ["namespace=Ologywood-Prod"], expect: [["namespace", "expected a DNS label"]] },
    {
        what: "the stack in kube-system",
        stack: "prod",
        sets: ["namespace=kube-system"],
        expect: [["namespace", "expected a namespace of this stack's own, not default or kube-*"]],
    },
    { what: "the stack in the default namespace", stack: "staging", sets: ["namespace=default"], expect: [["namespace", "not default or kube-*"]] },
    {
        what: "an IngressClass name with capitals",
        stack: "staging",
        sets: ["ingress.className=Nginx"],
        expect: [["ingress.className", "expected a DNS subdomain (RFC 1123, Kubernetes' rule for IngressClass names"]],
    },
    {
        what: "a ClusterIssuer name with a space",
        stack: "prod",
        sets: ["ingress.clusterIssuer=letsencrypt prod"],
        expect: [["ingress.clusterIssuer", "Kubernetes' rule for ClusterIssuer names"]],
    },
    {
        what: "a StorageClass name with an underscore",
        stack: "prod",
        sets: ["backup.storageClass=ssd_retain"],
        expect: [["backup.storageClass", "Kubernetes' rule for StorageClass names"]],
    },
    {
        what: "an ingress controller namespace with an underscore",
        stack: "staging",
        sets: ["ingress.controllerNamespace=ingress_nginx"],
        expect: [["ingress.controllerNamespace", "expected a DNS label (RFC 1123"]],
    },
    {
        what: "a Prometheus namespace with capitals",
        stack: "prod",
        sets: ["monitoring.prometheusNamespace=Monitoring"],
        expect: [["monitoring.prometheusNamespace", "expected a DNS label (RFC 1123"]],
    },
    {
        what: "a backup image with a space",
        stack: "staging",
        sets: ["backup.image=postgres 16"],
        expect: [["backup.image", "expected a container image reference such as postgres:16-bookworm, without spaces"]],
    },
    {
        what: "DATABASE_URL in app.env, which the program sets from a Secret (value not echoed)",
        stack: "prod",
        sets: ["app.env.DATABASE_URL=postgres://app:EnvS3cretPw@db/x"],
        expect: [["app.env.DATABASE_URL", "is set by the program itself"]],
        hidden: ["EnvS3cretPw"],
    },
    {
        what: "a secret-looking name in app.env (value not echoed)",
        stack: "staging",
        sets: ["app.env.STRIPE_SECRET_KEY=sk_live_EnvS3cretKey"],
        expect: [["app.env.STRIPE_SECRET_KEY", "looks like a secret by its name"]],
        hidden: ["EnvS3cretKey"],
    },
    {
        what: "a URL with a password in app.env (value not echoed)",
        stack: "staging",
        sets: ["app.env.REDIS_URL=redis://app:EnvS3cretUrl@redis:6379/0"],
        expect: [["app.env.REDIS_URL", "holds a URL with a password in it"]],
        hidden: ["EnvS3cretUrl"],
    },
    { what: "a database port out of range", stack: "prod", sets: ["db.port=70000"], expect: [["db.port", "expected a TCP port <= 65535"]] },
    {
        what: "an sslmode that does not exist",
        stack: "staging",
        sets: ["db.sslmode=sometimes"],
        expect: [["db.sslmode", "expected one of disable, require, verify-ca, verify-full"]],
    },
    { what: "an unknown tier", stack: "staging", sets: ["tier=dev"], expect: [["tier", "expected production or staging"]] },
    {
        what: "the mail catcher on a production tier stack",
        stack: "prod",
        sets: ["mailpit.enabled=true"],
        expect: [["mailpit.enabled", "expected false on a production tier stack"]],
    },
    {
        what: "an unprotected production database",
        stack: "prod",
        sets: ["db.protect=false"],
        expect: [["db.protect", "expected true on a production tier stack"]],
    },
    {
        what: "no bake on a production tier stack",
        stack: "prod",
        sets: ["release.bakeSeconds=0"],
        expect: [["release.bakeSeconds", "got 0; expected >= 600 on a production tier stack"]],
    },
    {
        what: "a production bake shorter than the bake gate's longest streak",
        stack: "prod",
        sets: ["release.bakeIntervalSeconds=300"],
        expect: [["release.bakeSeconds", "got 900; expected >= 1500 on a production tier stack"]],
    },
    {
        what: "a load test faster than the ingress rate limit",
        stack: "staging",
        sets: ["release.loadTestRps=100"],
        expect: [["release.loadTestRps", "got 100; expected <= ingress.rateLimitRps (60) while release.loadTest is true"]],
    },
    {
        what: "a load test slower than a request a second per user",
        stack: "staging",
        sets: ["release.loadTestRps=10"],
        expect: [["release.loadTestRps", "got 10; expected >= 50 while release.loadTest is true"]],
    },
    { what: "a section given as a number", stack: "staging", sets: ["backup=3"], expect: [["backup", "expected an object"]] },
    { what: "a sender address without @", stack: "prod", sets: ["smtp.from=bookings"], expect: [["smtp.from", "expected a sender address"]] },
    {
        what: "several problems at once, all reported",
        stack: "prod",
        sets: ["imageTag=latest", "api.replicas=0", "db.cidr=10.0.0.0", "maintenance=perhaps", "backup.schedule=nightly", "api.replicaz=4"],
        expect: [
            ["imageTag", "expected a semver"],
            ["api.replicas", "expected an integer >= 1"],
            ["db.cidr", "expected an IPv4 CIDR block"],
            ["maintenance", "expected true or false"],
            ["backup.schedule", "expected a 5-field cron schedule"],
            ["api.replicaz", "unknown key"],
        ],
    },
];

interface Outcome {
    code: number | null;
    stdout: string;
    stderr: string;
    tmp: string;
    out: string;
    leftovers: string[];
}

function runCli(c: Case): Promise<Outcome> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bad-config-"));
    const out = path.join(tmp, "out");
    const secretSets = Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`);
    // The case's own --set comes last, so it wins over the default secret values.
    const args = [c.stack, "--out", out, ...[...secretSets, ...c.sets].flatMap((s) => ["--set", s])];
    return new Promise((resolve) => {
        execFile(process.execPath, ["-r", "ts-node/register/transpile-only", CLI, ...args], { cwd: REPO, timeout: 60000 }, (error, stdout, stderr) => {
            const code = error ? ((error as any).code ?? null) : 0;
            resolve({ code: typeof code === "number" ? code : null, stdout, stderr, tmp, out, leftovers: fs.readdirSync(tmp) });
        });
    });
}

/** Runs every case up front, a few at a time: each run is a fresh process of about a second. */
async function runAll(cases: Case[], parallel: number): Promise<Outcome[]> {
    const results: Outcome[] = new Array(cases.length);
    let next = 0;
    const worker = async () => {
        while (next < cases.length) {
            const i = next++;
            results[i] = await runCli(cases[i]);
        }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return results;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("bad config through the render CLI (exit 2, key named, nothing written)", function () {
    // About 2.5 s of CPU per case: on a busy 2-core machine the whole table can take several minutes.
    this.timeout(900000);
    let outcomes: Outcome[] = [];

    before(async function () {
        outcomes = await runAll(CASES, Math.max(2, Math.min(4, os.cpus().length)));
    });

    after(function () {
        for (const o of outcomes) if (o) fs.rmSync(o.tmp, { recursive: true, force: true });
    });

    it("has at least 20 cases", function () {
        assert.ok(CASES.length >= 20, `${CASES.length} cases`);
    });

    CASES.forEach((c, i) => {
        it(`${c.stack}: ${c.what}`, function () {
            const o = outcomes[i];
            const context = `--set ${c.sets.join(" --set ")}\nstderr:\n${o.stderr}`;
            assert.equal(o.code, 2, `exit code, for ${context}`);
            for (const [key, expected] of c.expect) {
                assert.match(
                    o.stderr,
                    new RegExp(`^  - ologywood:${escape(key)}: .*${escape(expected)}`, "m"),
                    `key ${key} with "${expected}", for ${context}`,
                );
            }
            assert.match(o.stderr, new RegExp(`\\(${c.expect.length} problems?\\)`), `every problem counted, for ${context}`);
            assert.match(o.stderr, /Nothing was written\./);
            assert.equal(fs.existsSync(o.out), false, "the --out directory must not exist");
            assert.deepEqual(o.leftovers, [], "no partial or temporary directory left next to --out");
            const console = o.stdout + o.stderr;
            for (const secret of [...Object.values(SECRETS), ...(c.hidden ?? [])]) {
                assert.ok(
                    !console.includes(secret) && !console.includes(Buffer.from(secret).toString("base64")),
                    `a secret value reached the console, for ${context}`,
                );
            }
        });
    });
});
