/**
 * The database, its roles and grants, and the backups, as the real program declares them for
 * both stack files (offline, under the mock runtime).
 */
import * as assert from "assert";
import { PRE_DEPLOY_JOB_PREFIX, jobNameForTag } from "../../components/backups";
import { BACKUP_CRONJOBS, WORKLOADS } from "../../components/shared/names";
import { RegisteredResource, runProgramUnderMocks } from "../../render/mock-run";
import { prepareConfig } from "../../render/render";
import { STACKS } from "../support/render";

async function declared(stack: string, sets: string[] = []) {
    const prepared = prepareConfig({ stack, sets });
    return { config: prepared.config, rs: await runProgramUnderMocks(stack, prepared.raw, prepared.config) };
}

const kube = (rs: RegisteredResource[], kind: string, name: string) => {
    const found = rs.find((r) => r.state?.kind === kind && r.state.metadata?.name === name);
    assert.ok(found, `no ${kind} ${name}`);
    return found!;
};

describe("database and backups in the stack program", function () {
    this.timeout(60_000);

    for (const stack of STACKS) {
        describe(stack, () => {
            let rs: RegisteredResource[];
            let config: Awaited<ReturnType<typeof declared>>["config"];
            before(async () => ({ rs, config } = await declared(stack)));

            it(`declares ologywood_${stack} with its four roles, protected as the stack file says`, () => {
                const db = rs.find((r) => r.type === "postgresql:index/database:Database" && r.inputs.name === `ologywood_${stack}`)!;
                assert.strictEqual(db.inputs.name, `ologywood_${stack}`);
                assert.strictEqual(db.options.protect, config.db.protect);
                assert.strictEqual(db.options.retainOnDelete, config.db.protect);
                assert.deepStrictEqual(
                    rs
                        .filter((r) => r.type === "postgresql:index/role:Role")
                        .map((r) => r.inputs.name)
                        .sort(),
                    ["app", "backup", "monitoring", "owner"].map((k) => `ologywood_${stack}_${k}`),
                );
                const app = rs.find((r) => r.inputs?.name === `ologywood_${stack}_app`)!;
                assert.strictEqual(app.inputs.connectionLimit, config.db.appConnectionLimit);
                const [provider] = rs.filter((r) => r.type === "pulumi:providers:postgresql");
                assert.strictEqual(provider.inputs.sslmode, config.db.sslmode);
            });

            it("rolls out no app workload before this release's pre-deploy backup Job has succeeded", () => {
                const job = kube(rs, "Job", jobNameForTag(PRE_DEPLOY_JOB_PREFIX, config.imageTag));
                for (const name of [WORKLOADS.api, WORKLOADS.worker, WORKLOADS.email]) {
                    assert.ok(kube(rs, "Deployment", name).dependencies.includes(job.urn), `${name} waits for ${job.state.metadata.name}`);
                }
            });

            it("starts the backup Jobs only after the database, its roles and grants exist", () => {
                const needed = rs.filter(
                    (r) =>
                        r.type === "postgresql:index/database:Database" ||
                        r.type === "postgresql:index/grant:Grant" ||
                        r.type === "postgresql:index/defaultPrivileges:DefaultPrivileges" ||
                        (r.state?.kind === "Secret" && r.parent?.endsWith("::database")),
                );
                assert.strictEqual(needed.length, 2 + 11 + 4 + 4);
                for (const r of rs.filter((r) => r.state?.kind === "Job" || r.state?.kind === "CronJob")) {
                    for (const n of needed) assert.ok(r.dependencies.includes(n.urn), `${r.name} waits for ${n.name}`);
                }
            });

            it(`verifies backups in ologywood_${stack}_verify, which the program makes for the owner role (no CREATEDB)`, () => {
                const scratch = rs.find((r) => r.type === "postgresql:index/database:Database" && r.inputs.name === `ologywood_${stack}_verify`);
                assert.ok(scratch, "the scratch database is declared");
                assert.strictEqual(scratch!.inputs.owner, `ologywood_${stack}_owner`);
                const owner = rs.find((r) => r.type === "postgresql:index/role:Role" && r.inputs.name === `ologywood_${stack}_owner`)!;
                assert.strictEqual(owner.inputs.createDatabase, false);
                const container = kube(rs, "CronJob", BACKUP_CRONJOBS.verify).state.spec.jobTemplate.spec.template.spec.containers[0];
                assert.deepStrictEqual(
                    container.env.filter((e: any) => e.name === "VERIFY_DATABASE"),
                    [{ name: "VERIFY_DATABASE", value: `ologywood_${stack}_verify` }],
                );
            });

            it("sizes the backup volume and schedules backups from the stack file", () => {
                const pvc = kube(rs, "PersistentVolumeClaim", "ologywood-backups");
                assert.strictEqual(pvc.state.spec.resources.requests.storage, config.backup.storageSize);
                assert.strictEqual(pvc.state.spec.storageClassName, config.backup.storageClass);
                assert.strictEqual(kube(rs, "CronJob", BACKUP_CRONJOBS.backup).state.spec.schedule, config.backup.schedule);
                assert.strictEqual(kube(rs, "CronJob", BACKUP_CRONJOBS.verify).state.spec.schedule, config.backup.verifySchedule);
            });
        });
    }

    it("a new image tag is a new pre-deploy Job (a new backup), the same tag is the same Job", async () => {
        const a = await declared("staging", ["imageTag=1.5.0"]);
        const b = await declared("staging", ["imageTag=1.5.0", "api.replicas=3"]);
        const c = await declared("staging", ["imageTag=1.6.0"]);
        const jobOf = (rs: RegisteredResource[]) => rs.find((r) => r.state?.kind === "Job")!.state;
        assert.deepStrictEqual(jobOf(a.rs), jobOf(b.rs));
        assert.notStrictEqual(jobOf(a.rs).metadata.name, jobOf(c.rs).metadata.name);
    });

    it("a requested restore (only while paused) adds the restore Job", async () => {
        const { rs } = await declared("prod", [
            "paused=true",
            "backup.restore.file=ologywood_prod_pre_deployment_20260125T140000Z.dump",
            "backup.restore.requestId=20260125t150000z",
        ]);
        const restore = kube(rs, "Job", "ologywood-db-restore-20260125t150000z");
        assert.match(
            restore.state.spec.template.spec.containers[0].command.join(" "),
            /db-restore\.sh --clean \/backups\/ologywood_prod_pre_deployment_20260125T140000Z\.dump$/,
        );
        assert.throws(
            () =>
                prepareConfig({
                    stack: "prod",
                    sets: ["backup.restore.file=ologywood_prod_pre_deployment_20260125T140000Z.dump", "backup.restore.requestId=x1"],
                }),
            /ologywood:backup\.restore: .*expected only while ologywood:paused is true/,
        );
    });

    it("a rollback's update (backup.skipPreDeployFor = the tag) declares no backup Job and rolls the workloads out at once", async () => {
        const { rs } = await declared("prod", ["imageTag=1.4.1", "backup.skipPreDeployFor=1.4.1"]);
        assert.deepStrictEqual(
            rs.filter((r) => r.state?.kind === "Job").map((r) => r.name),
            [],
        );
        for (const name of [WORKLOADS.api, WORKLOADS.worker, WORKLOADS.email]) {
            const deployment = kube(rs, "Deployment", name);
            const waitsOnAJob = deployment.dependencies.some((urn) => urn.includes("kubernetes:batch/v1:Job"));
            assert.ok(!waitsOnAJob, `${name} waits on no backup`);
        }
        const forward = await declared("prod", ["imageTag=1.4.2", "backup.skipPreDeployFor=1.4.1"]);
        assert.ok(
            forward.rs.some((r) => r.state?.kind === "Job" && r.state.metadata.name === jobNameForTag(PRE_DEPLOY_JOB_PREFIX, "1.4.2")),
            "the next release is backed up again",
        );
    });
});
