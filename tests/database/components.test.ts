/**
 * The Database and Backups components under pulumi.runtime.setMocks, and their pure builders
 * without mocks: what they declare for given Args.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    BACKUP_APP,
    BackupPods,
    Backups,
    BackupsArgs,
    CRON_POLICY,
    PRE_DEPLOY_JOB_PREFIX,
    backupCronJobSpec,
    jobNameForTag,
    preDeployJobSpec,
    readScripts,
    restoreJobSpec,
    verifyCronJobSpec,
} from "../../components/backups";
import {
    Database,
    DatabaseArgs,
    credentialsOf,
    databaseNameFor,
    defaultPrivilegeSpecs,
    grantSpecs,
    providerArgs,
    roleArgs,
    roleNames,
    roleSpecs,
} from "../../components/database";
import { postgresUrl } from "../../components/database/connection";
import {
    BACKUP_CRONJOBS,
    BACKUP_JOB_NAME_REGEX,
    DATABASE_SECRET,
    DB_BACKUP_SECRET,
    DB_MONITORING_SECRET,
    DB_OWNER_SECRET,
} from "../../components/shared/names";
import { REDACTED, RegisteredResource, runUnderMocks } from "../../render/mock-run";

const labels = { instance: "ologywood-test", version: "2.0.0" };
const ADMIN_PASSWORD = "Adm1n-Pa55word-never-shown";

const databaseArgs: DatabaseArgs = {
    namespace: "ologywood-test",
    labels,
    server: { host: "db.test.example", port: 5433, sslmode: "verify-full" },
    management: { mode: "managed", admin: { user: "ologywood_admin", password: ADMIN_PASSWORD } },
    appConnectionLimit: 42,
    parallelJobs: 2,
    protect: true,
};

const backupsArgs: BackupsArgs = {
    namespace: "ologywood-test",
    labels,
    databaseName: "ologywood_test",
    verifyDatabaseName: "ologywood_test_verify",
    credentials: { backup: DB_BACKUP_SECRET.name, owner: DB_OWNER_SECRET.name },
    server: { cidr: "10.9.0.0/24", port: 5433 },
    imageTag: "2.0.0-rc.1",
    image: "postgres:16-bookworm",
    schedule: "0 2 * * *",
    verifySchedule: "30 3 * * *",
    retentionDays: 9,
    storageSize: "50Gi",
    storageClass: "ssd-retain",
    jobDeadlineSeconds: 1800,
    parallelJobs: 3,
    compression: 0,
    protect: true,
};

const run = (program: () => void) => runUnderMocks("test", {}, program);
const ofType = (rs: RegisteredResource[], type: string) => rs.filter((r) => r.type === type);
const kube = (rs: RegisteredResource[], kind: string) => rs.filter((r) => r.state?.kind === kind);
const named = (rs: RegisteredResource[], kind: string, name: string) => {
    const found = kube(rs, kind).find((r) => r.state.metadata.name === name);
    assert.ok(
        found,
        `no ${kind} ${name} (have ${kube(rs, kind)
            .map((r) => r.state.metadata.name)
            .join(", ")})`,
    );
    return found!;
};

describe("database access as data (components/database/access.ts)", () => {
    it("names the database after the stack, as the plan does for prod", () => {
        assert.strictEqual(databaseNameFor("prod"), "ologywood_prod");
        assert.strictEqual(databaseNameFor("staging"), "ologywood_staging");
        assert.strictEqual(databaseNameFor("Feature-42"), "ologywood_feature_42");
        assert.throws(() => databaseNameFor("x".repeat(60)), /too long/);
    });

    it("gives no role superuser, createrole, or more than it needs", () => {
        const specs = roleSpecs("ologywood_prod", { appConnectionLimit: 100, parallelJobs: 2 });
        assert.deepStrictEqual(
            specs.map((r) => r.name),
            ["ologywood_prod_owner", "ologywood_prod_app", "ologywood_prod_backup", "ologywood_prod_monitoring"],
        );
        for (const r of specs) {
            assert.strictEqual(r.superuser, false, r.name);
            assert.strictEqual(r.createRole, false, r.name);
            assert.ok(r.connectionLimit > 0, `${r.name} has a connection limit`);
        }
        assert.deepStrictEqual(
            specs.filter((r) => r.createDatabase).map((r) => r.key),
            [],
            "none: the verification's scratch database is the program's",
        );
        assert.strictEqual(specs.find((r) => r.key === "app")!.connectionLimit, 100);
        assert.deepStrictEqual(specs.find((r) => r.key === "monitoring")!.memberOf, ["pg_monitor"]);
    });

    it("grants the app DML, the backup role SELECT, and revokes CONNECT from PUBLIC", () => {
        const names = roleNames("ologywood_prod");
        const grants = grantSpecs("admin", names);
        const of = (role: string) => grants.filter((g) => g.role === role).map((g) => `${g.objectType}:${g.privileges.join(",")}`);
        assert.deepStrictEqual(of(names.app), ["database:CONNECT", "schema:USAGE", "table:SELECT,INSERT,UPDATE,DELETE", "sequence:USAGE,SELECT"]);
        assert.deepStrictEqual(of(names.backup), ["database:CONNECT", "schema:USAGE", "table:SELECT", "sequence:SELECT"]);
        assert.deepStrictEqual(of(names.monitoring), ["database:CONNECT"]);
        assert.deepStrictEqual(of("public"), ["database:"]);
        assert.deepStrictEqual(of("admin"), ["database:CONNECT"]);
        const defaults = defaultPrivilegeSpecs(names);
        assert.ok(defaults.every((d) => d.owner === names.owner && d.schema === "public"));
        assert.ok(!defaults.some((d) => d.role === names.backup && d.privileges.some((p) => p !== "SELECT")), "backup stays read-only");
    });

    it("percent-encodes every part of DATABASE_URL", () => {
        const url = postgresUrl({ host: "db", port: 5432, database: "ologywood_prod", user: "a@b", password: "p@ss:w/rd?#", sslmode: "require" });
        assert.strictEqual(url, "postgresql://a%40b:p%40ss%3Aw%2Frd%3F%23@db:5432/ologywood_prod?sslmode=require");
        const parsed = new URL(url);
        assert.strictEqual(decodeURIComponent(parsed.password), "p@ss:w/rd?#");
    });
});

describe("database resource builders (components/database/resources.ts)", () => {
    it("connects the provider as the admin, never as a superuser, the password a secret", () => {
        const args = providerArgs(databaseArgs.server, { user: "ologywood_admin", password: ADMIN_PASSWORD });
        assert.deepStrictEqual(
            { ...args, password: undefined },
            {
                host: "db.test.example",
                port: 5433,
                username: "ologywood_admin",
                password: undefined,
                database: "postgres",
                sslmode: "verify-full",
                superuser: false,
            },
        );
        assert.ok(pulumi.Output.isInstance(args.password), "the admin password is wrapped as a secret");
    });

    it("declares each role as access.ts says: the owner with no CREATEDB, connections for the parallel jobs", () => {
        const owner = roleSpecs("ologywood_prod", { appConnectionLimit: 50, parallelJobs: 3 }).find((r) => r.key === "owner")!;
        assert.deepStrictEqual(roleArgs(owner, "pw"), {
            name: "ologywood_prod_owner",
            login: true,
            password: "pw",
            superuser: false,
            createRole: false,
            createDatabase: false,
            connectionLimit: 7,
            roles: [],
        });
    });

    it("hands each consumer the form it reads: a URL to the app and the exporter, libpq variables to the scripts", () => {
        const p = { host: "db", port: 5432, database: "ologywood_prod", user: "u", password: "p", sslmode: "require" as const };
        const libpq = ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGUSER"];
        assert.deepStrictEqual(Object.keys(credentialsOf("owner", p)).sort(), libpq);
        assert.deepStrictEqual(Object.keys(credentialsOf("backup", p)).sort(), libpq);
        assert.deepStrictEqual(credentialsOf("app", p), { [DATABASE_SECRET.key]: postgresUrl(p) });
        assert.deepStrictEqual(credentialsOf("monitoring", p), { [DB_MONITORING_SECRET.key]: postgresUrl(p) });
    });
});

describe("Database component under setMocks", () => {
    let rs: RegisteredResource[];
    before(async () => {
        rs = await run(() => new Database("database", databaseArgs));
    });

    it("uses one explicit postgresql provider built from config db.*, not a superuser", () => {
        const [provider] = ofType(rs, "pulumi:providers:postgresql");
        assert.deepStrictEqual(
            { ...provider.inputs, connectTimeout: undefined },
            {
                host: "db.test.example",
                port: "5433",
                username: "ologywood_admin",
                password: REDACTED,
                database: "postgres",
                sslmode: "verify-full",
                superuser: "false",
                connectTimeout: undefined,
            },
        );
        const resources = rs.filter((r) => r.type.startsWith("postgresql:"));
        assert.strictEqual(resources.length, 22);
        for (const r of resources)
            assert.ok(r.options.provider?.startsWith(`${provider.urn}::`), `${r.name} uses the stack's provider, got ${r.options.provider}`);
    });

    it("creates ologywood_<stack> owned by the owner role, protected and kept on delete when asked", async () => {
        const db = ofType(rs, "postgresql:index/database:Database").find((r) => r.inputs.name === "ologywood_test")!;
        assert.deepStrictEqual(db.inputs, { name: "ologywood_test", owner: "ologywood_test_owner", encoding: "UTF8" });
        assert.deepStrictEqual({ protect: db.options.protect, retainOnDelete: db.options.retainOnDelete }, { protect: true, retainOnDelete: true });
        const unprotected = await run(() => new Database("database", { ...databaseArgs, protect: false }));
        const db2 = ofType(unprotected, "postgresql:index/database:Database").find((r) => r.inputs.name === "ologywood_test")!;
        assert.deepStrictEqual({ protect: db2.options.protect, retainOnDelete: db2.options.retainOnDelete }, { protect: false, retainOnDelete: false });
    });

    it("makes the restore verification's scratch database, owned by the owner role, which may create none itself", () => {
        const scratch = ofType(rs, "postgresql:index/database:Database").filter((r) => r.inputs.name !== "ologywood_test");
        assert.deepStrictEqual(
            scratch.map((r) => r.inputs),
            [{ name: "ologywood_test_verify", owner: "ologywood_test_owner", encoding: "UTF8" }],
        );
        // It holds nothing to keep: not protected, unlike the real database.
        assert.deepStrictEqual(
            { protect: scratch[0].options.protect, retainOnDelete: scratch[0].options.retainOnDelete },
            { protect: false, retainOnDelete: false },
        );
        const [membership] = ofType(rs, "postgresql:index/grantRole:GrantRole");
        assert.ok(scratch[0].dependencies.includes(membership.urn), "made after the admin may create databases owned by the owner role");
        const owner = ofType(rs, "postgresql:index/role:Role").find((r) => r.inputs.name === "ologywood_test_owner")!;
        assert.strictEqual(owner.inputs.createDatabase, false);
    });

    it("declares each role, grant and default privilege of access.ts with the provider's documented inputs", () => {
        const roles = ofType(rs, "postgresql:index/role:Role");
        assert.deepStrictEqual(
            roles.map((r) => r.inputs.name),
            ["ologywood_test_owner", "ologywood_test_app", "ologywood_test_backup", "ologywood_test_monitoring"],
        );
        const app = roles.find((r) => r.inputs.name === "ologywood_test_app")!;
        assert.deepStrictEqual(app.inputs, {
            name: "ologywood_test_app",
            login: true,
            password: REDACTED,
            superuser: false,
            createRole: false,
            createDatabase: false,
            connectionLimit: 42,
            roles: [],
        });
        const grants = ofType(rs, "postgresql:index/grant:Grant").map((g) => g.inputs);
        const expected = grantSpecs("ologywood_admin", roleNames("ologywood_test")).map(({ key: _key, ...g }) => ({ database: "ologywood_test", ...g }));
        assert.deepStrictEqual(
            grants.map((g) => JSON.stringify(g, Object.keys(g).sort())).sort(),
            expected.map((g) => JSON.stringify(Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)), Object.keys(g).sort())).sort(),
        );
        assert.strictEqual(ofType(rs, "postgresql:index/defaultPrivileges:DefaultPrivileges").length, 4);
        const [membership] = ofType(rs, "postgresql:index/grantRole:GrantRole");
        assert.deepStrictEqual(membership.inputs, { role: "ologywood_admin", grantRole: "ologywood_test_owner" });
    });

    it("revokes CONNECT from PUBLIC only after the admin has its own", () => {
        const grants = ofType(rs, "postgresql:index/grant:Grant");
        const revoke = grants.find((g) => g.inputs.role === "public")!;
        const admin = grants.find((g) => g.inputs.role === "ologywood_admin")!;
        assert.ok(revoke.dependencies.includes(admin.urn));
    });

    it("hands the credentials to the pods as Secrets, with the keys each consumer reads, and never in plaintext", () => {
        const secrets = Object.fromEntries(kube(rs, "Secret").map((s) => [s.state.metadata.name, Object.keys(s.inputs.stringData).sort()]));
        const libpq = ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGUSER"];
        assert.deepStrictEqual(secrets, {
            [DB_OWNER_SECRET.name]: libpq,
            [DATABASE_SECRET.name]: [DATABASE_SECRET.key],
            [DB_BACKUP_SECRET.name]: libpq,
            [DB_MONITORING_SECRET.name]: [DB_MONITORING_SECRET.key],
        });
        const everything = JSON.stringify(rs);
        assert.ok(!everything.includes(ADMIN_PASSWORD), "the admin password appears nowhere");
        assert.ok(!everything.includes("mock-generated-password"), "no generated password appears anywhere");
        for (const s of kube(rs, "Secret"))
            assert.ok(
                Object.values(s.inputs.stringData).every((v) => v === REDACTED),
                `${s.name} values are secret`,
            );
    });
});

describe("Database component with a DBA-managed server (db.mode external)", () => {
    const PASSWORDS = {
        app: "App-Pa55-from-the-DBA",
        backup: "Backup-Pa55-from-the-DBA",
        monitoring: "Mon-Pa55-from-the-DBA",
        owner: "Owner-Pa55-from-the-DBA",
    };
    let rs: RegisteredResource[];
    before(async () => {
        rs = await run(() => new Database("database", { ...databaseArgs, management: { mode: "external", passwords: PASSWORDS } }));
    });

    it("declares no PostgreSQL or random resource: the DBA made the database, roles and grants", () => {
        assert.deepStrictEqual(
            rs.filter((r) => /^(postgresql:|random:|pulumi:providers:(postgresql|random))/.test(r.type)).map((r) => r.type),
            [],
        );
    });

    it("hands the given passwords to the pods in the same Secrets, under the roles' names, never in plaintext", () => {
        const secrets = ofType(rs, "kubernetes:core/v1:Secret");
        assert.deepStrictEqual(
            secrets.map((s) => s.inputs.metadata.name).sort(),
            [DATABASE_SECRET.name, DB_BACKUP_SECRET.name, DB_MONITORING_SECRET.name, DB_OWNER_SECRET.name].sort(),
        );
        for (const s of secrets)
            assert.ok(
                Object.values(s.inputs.stringData).every((v) => v === REDACTED),
                `${s.name} values are secret`,
            );
        const text = JSON.stringify(rs);
        for (const pw of Object.values(PASSWORDS))
            assert.ok(!text.includes(pw) && !text.includes(Buffer.from(pw).toString("base64")), "no password in any input");
    });
});

describe("backup builders (components/backups/jobs.ts)", () => {
    it("names the pre-deploy Job after the image tag, as a valid and unique DNS label", () => {
        const tags = ["1.4.2", "v1.4.2-rc.1", "1.4.2-rc-1", "1.4.2+build.77", "0123abc", "0123abcdef0123abcdef0123abcdef0123abcdef", "V2.0.0-RC.1"];
        const names = tags.map((t) => jobNameForTag(PRE_DEPLOY_JOB_PREFIX, t));
        for (const [i, n] of names.entries()) {
            assert.match(n, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, tags[i]);
            assert.ok(n.length <= 63, `${n} fits 63 characters`);
            assert.ok(n.startsWith(`${PRE_DEPLOY_JOB_PREFIX}-`), n);
        }
        assert.strictEqual(new Set(names).size, names.length, "no two tags share a Job");
        assert.strictEqual(jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "0123abc"), `${PRE_DEPLOY_JOB_PREFIX}-0123abc`);
        assert.match(jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "1.4.2"), /^ologywood-db-backup-pre-deploy-1-4-2-[0-9a-f]{8}$/);
        assert.strictEqual(jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "1.4.2"), jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "1.4.2"), "stable");
        assert.throws(() => jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "..."), /no letters or digits/);
    });
});

describe("backup object specs (components/backups/spec.ts)", () => {
    const pods: BackupPods = {
        labels,
        image: "postgres:16-bookworm",
        serviceAccountName: "sa",
        configMapName: "scripts",
        claimName: "backups",
        credentials: { backup: DB_BACKUP_SECRET.name, owner: DB_OWNER_SECRET.name },
        jobDeadlineSeconds: 1800,
        parallelJobs: 3,
    };
    const settings = { retentionDays: 9, compression: 1 };
    const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));

    it("scheduled backups: the CronJob policy, one retry, db-backup.sh as the backup role with the stack's settings", () => {
        const spec: any = backupCronJobSpec(pods, { ...settings, schedule: "0 2 * * *" });
        assert.deepStrictEqual({ ...spec, jobTemplate: undefined }, { schedule: "0 2 * * *", ...CRON_POLICY, jobTemplate: undefined });
        const job = spec.jobTemplate.spec;
        assert.deepStrictEqual([job.backoffLimit, job.activeDeadlineSeconds, job.ttlSecondsAfterFinished], [1, 1800, 86400]);
        const [container] = job.template.spec.containers;
        assert.deepStrictEqual(container.envFrom, [{ secretRef: { name: DB_BACKUP_SECRET.name } }]);
        const env = envOf(container);
        assert.deepStrictEqual([env.BACKUP_LABEL, env.BACKUP_RETENTION_DAYS, env.BACKUP_JOBS, env.BACKUP_COMPRESSION], ["scheduled", "9", "3", "1"]);
    });

    it("the verification restores the newest backup into the program's scratch database, as the owner role, never retried", () => {
        const spec: any = verifyCronJobSpec(pods, { verifySchedule: "30 3 * * *", verifyDatabaseName: "ologywood_test_verify" });
        assert.strictEqual(spec.schedule, "30 3 * * *");
        const job = spec.jobTemplate.spec;
        assert.strictEqual(job.backoffLimit, 0);
        const [container] = job.template.spec.containers;
        assert.deepStrictEqual(container.command, ["bash", "/opt/ologywood/db/db-restore.sh", "--verify", "--latest", "/backups"]);
        assert.deepStrictEqual(container.envFrom, [{ secretRef: { name: DB_OWNER_SECRET.name } }]);
        assert.deepStrictEqual([envOf(container).VERIFY_DATABASE, envOf(container).RESTORE_JOBS], ["ologywood_test_verify", "3"]);
    });

    it("the pre-deploy backup is labelled pre_deployment and kept a week; the restore takes a safety backup first and twice the deadline", () => {
        const preDeploy: any = preDeployJobSpec(pods, settings);
        assert.deepStrictEqual([preDeploy.backoffLimit, preDeploy.ttlSecondsAfterFinished], [1, 7 * 86400]);
        assert.strictEqual(envOf(preDeploy.template.spec.containers[0]).BACKUP_LABEL, "pre_deployment");
        const restore: any = restoreJobSpec(pods, "ologywood_test_scheduled_20260125T020000Z.dump", settings);
        assert.deepStrictEqual([restore.backoffLimit, restore.activeDeadlineSeconds], [0, 3600]);
        assert.strictEqual(envOf(restore.template.spec.initContainers[0]).BACKUP_LABEL, "pre_restore");
        assert.deepStrictEqual(restore.template.spec.containers[0].command.slice(2), ["--clean", "/backups/ologywood_test_scheduled_20260125T020000Z.dump"]);
    });
});

describe("Backups component under setMocks", () => {
    let rs: RegisteredResource[];
    before(async () => {
        rs = await run(() => new Backups("backups", backupsArgs));
    });

    const pod = (r: RegisteredResource) => (r.state.kind === "CronJob" ? r.state.spec.jobTemplate.spec.template.spec : r.state.spec.template.spec);
    const jobSpecOf = (r: RegisteredResource) => (r.state.kind === "CronJob" ? r.state.spec.jobTemplate.spec : r.state.spec);

    it("puts the three script files from the repo, unchanged, in one ConfigMap", () => {
        const [cm] = kube(rs, "ConfigMap");
        assert.deepStrictEqual(cm.state.data, readScripts());
        assert.deepStrictEqual(Object.keys(cm.state.data).sort(), ["db-backup.sh", "db-lib.sh", "db-restore.sh"]);
    });

    it("keeps backups on a PersistentVolumeClaim sized and classed from config, protected when asked", () => {
        const [pvc] = kube(rs, "PersistentVolumeClaim");
        assert.deepStrictEqual(pvc.state.spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "ssd-retain",
            resources: { requests: { storage: "50Gi" } },
        });
        assert.strictEqual(pvc.options.protect, true);
        assert.strictEqual(pvc.options.retainOnDelete, true);
    });

    it("schedules backups and a restore verification of the newest backup into a scratch database", () => {
        const backup = named(rs, "CronJob", BACKUP_CRONJOBS.backup);
        assert.strictEqual(backup.state.spec.schedule, "0 2 * * *");
        assert.strictEqual(backup.state.spec.concurrencyPolicy, "Forbid");
        assert.deepStrictEqual(pod(backup).containers[0].command, ["bash", "/opt/ologywood/db/db-backup.sh"]);
        const env = Object.fromEntries(pod(backup).containers[0].env.map((e: any) => [e.name, e.value]));
        assert.deepStrictEqual([env.BACKUP_LABEL, env.BACKUP_RETENTION_DAYS, env.BACKUP_JOBS, env.BACKUP_DIR], ["scheduled", "9", "3", "/backups"]);
        assert.deepStrictEqual(pod(backup).containers[0].envFrom, [{ secretRef: { name: DB_BACKUP_SECRET.name } }]);

        const verify = named(rs, "CronJob", BACKUP_CRONJOBS.verify);
        assert.strictEqual(verify.state.spec.schedule, "30 3 * * *");
        assert.deepStrictEqual(pod(verify).containers[0].command, ["bash", "/opt/ologywood/db/db-restore.sh", "--verify", "--latest", "/backups"]);
        assert.deepStrictEqual(pod(verify).containers[0].envFrom, [{ secretRef: { name: DB_OWNER_SECRET.name } }]);
        const verifyEnv = Object.fromEntries(pod(verify).containers[0].env.map((e: any) => [e.name, e.value]));
        assert.deepStrictEqual(
            [verifyEnv.VERIFY_DATABASE, verifyEnv.RESTORE_JOBS],
            ["ologywood_test_verify", "3"],
            "restores into the program's scratch database",
        );
    });

    it("names its CronJobs and Jobs as the backup alerts expect (components/shared/names.ts)", async () => {
        const restoring = await run(
            () => new Backups("backups", { ...backupsArgs, restore: { file: "ologywood_test_scheduled_20260125T020000Z.dump", requestId: "r1" } }),
        );
        const names = [...kube(restoring, "CronJob"), ...kube(restoring, "Job")].map((r) => r.state.metadata.name);
        assert.deepStrictEqual(
            kube(restoring, "CronJob")
                .map((r) => r.state.metadata.name)
                .sort(),
            Object.values(BACKUP_CRONJOBS).sort(),
        );
        for (const n of names) assert.match(n, new RegExp(`^${BACKUP_JOB_NAME_REGEX}$`));
        assert.strictEqual(names.length, 4);
    });

    it("runs every pod restricted, with deadlines, backoff limits and a TTL", () => {
        for (const r of [...kube(rs, "CronJob"), ...kube(rs, "Job")]) {
            const spec = jobSpecOf(r);
            assert.ok(spec.activeDeadlineSeconds >= 1800, `${r.name} has a deadline`);
            assert.ok(spec.backoffLimit <= 1, `${r.name} has a backoff limit`);
            assert.ok(spec.ttlSecondsAfterFinished > 0, `${r.name} is cleaned up`);
            const p = pod(r);
            assert.strictEqual(p.securityContext.runAsNonRoot, true, r.name);
            assert.strictEqual(p.restartPolicy, "Never", r.name);
            assert.strictEqual(p.serviceAccountName, BACKUP_APP);
            for (const c of [...p.containers, ...(p.initContainers ?? [])]) {
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, `${r.name}/${c.name}`);
                assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] }, `${r.name}/${c.name}`);
            }
        }
    });

    it("lets backup pods reach the database server and nothing else", () => {
        const [policy] = kube(rs, "NetworkPolicy");
        assert.deepStrictEqual(policy.state.spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": BACKUP_APP, "app.kubernetes.io/instance": "ologywood-test" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: [{ to: [{ ipBlock: { cidr: "10.9.0.0/24" } }], ports: [{ protocol: "TCP", port: 5433 }] }],
        });
    });

    it("declares the release's pre-deploy backup as the gate: awaited past the provider's 10 minutes, retried by the next up", () => {
        const [job] = kube(rs, "Job");
        assert.strictEqual(job.state.metadata.name, jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "2.0.0-rc.1"));
        assert.strictEqual(job.state.metadata.annotations["pulumi.com/replaceUnready"], "true");
        assert.deepStrictEqual(job.options.customTimeouts, { create: "2100s", update: "2100s" });
        assert.strictEqual(job.options.deleteBeforeReplace, true);
        const env = Object.fromEntries(pod(job).containers[0].env.map((e: any) => [e.name, e.value]));
        assert.strictEqual(env.BACKUP_LABEL, "pre_deployment");
    });

    it("makes no pre-deploy backup while the stack runs the tag a rollback returned to; another tag has its backup again", async () => {
        let component: Backups | undefined;
        const rolledBack = await run(() => {
            component = new Backups("backups", { ...backupsArgs, skipPreDeployFor: "2.0.0-rc.1" });
        });
        assert.deepStrictEqual(kube(rolledBack, "Job"), [], "no Job for the tag already backed up");
        assert.strictEqual(component!.preDeployBackup, undefined, "nothing for the workloads to wait on");
        const forward = await run(() => new Backups("backups", { ...backupsArgs, skipPreDeployFor: "1.9.0" }));
        assert.strictEqual(kube(forward, "Job").length, 1, "a release of another tag is backed up first");
    });

    it("adds a restore Job only when a restore is requested: a safety backup first, then the restore with its row-count check", async () => {
        assert.strictEqual(kube(rs, "Job").length, 1);
        let component: Backups | undefined;
        const restoring = await run(() => {
            component = new Backups("backups", {
                ...backupsArgs,
                restore: { file: "ologywood_test_pre_deployment_20260125T140000Z.dump", requestId: "20260125t150000z" },
            });
        });
        // What db:restore reads from the stack outputs; under mocks the Job reports no status.
        const status = await new Promise((resolve) => component!.restore!.apply(resolve));
        assert.deepStrictEqual(status, {
            requestId: "20260125t150000z",
            file: "ologywood_test_pre_deployment_20260125T140000Z.dump",
            job: "ologywood-db-restore-20260125t150000z",
            succeeded: 0,
        });
        const restore = named(restoring, "Job", "ologywood-db-restore-20260125t150000z");
        const p = pod(restore);
        assert.deepStrictEqual(
            p.initContainers.map((c: any) => [c.name, c.command.join(" "), c.envFrom[0].secretRef.name]),
            [["backup-before-restore", "bash /opt/ologywood/db/db-backup.sh", DB_BACKUP_SECRET.name]],
        );
        assert.deepStrictEqual(
            p.containers.map((c: any) => [c.name, c.command.join(" "), c.envFrom[0].secretRef.name]),
            [["restore", "bash /opt/ologywood/db/db-restore.sh --clean /backups/ologywood_test_pre_deployment_20260125T140000Z.dump", DB_OWNER_SECRET.name]],
        );
        assert.strictEqual(restore.state.spec.backoffLimit, 0, "a failed restore is for a person to look at");
    });
});
