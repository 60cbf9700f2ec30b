/**
 * The AutomationDriver's config writes against the real Pulumi CLI (the rehearsal's, from the
 * tool cache) and a file:// backend: what a rollback does to a stack's config. The rehearsal
 * found that writing objects back as plain strings made the rollback lose backup.storageClass
 * (its `up` then tried to replace the protected backup volume); this test reproduces that with
 * the old way of writing and proves the driver's way keeps objects, types and secrets. Needs the
 * tools like the rehearsal (OLOGYWOOD_REHEARSAL=skip leaves it out on purpose).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "../../cli/frame";
import { AutomationDriver } from "../../pipeline/drivers/automation";
import { REHEARSAL_SKIPPED, rehearsalTools } from "../support/rehearsal-tools";

(REHEARSAL_SKIPPED ? describe.skip : describe)("AutomationDriver config writes, with the real Pulumi CLI", function () {
    this.timeout(180_000);
    let dir: string;
    const saved = { ...process.env };
    const pulumi = (...args: string[]) => {
        const r = spawnSync("pulumi", args, { cwd: dir, encoding: "utf8" });
        if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    const configOf = (stack: string) =>
        JSON.parse(pulumi("config", "--json", "--show-secrets", "-s", stack)) as Record<string, { value: string; objectValue?: any; secret: boolean }>;

    before(() => {
        const tools = rehearsalTools();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-config-writes-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: ologywood\nruntime: nodejs\n");
        // The driver serves a folder's program from this process: it needs the folder's @pulumi/pulumi.
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
        Object.assign(process.env, {
            PATH: `${tools.bin}:${process.env.PATH}`,
            PULUMI_HOME: path.join(dir, ".pulumi-home"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
            PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        });
        fs.mkdirSync(path.join(dir, "backend"));
        // An update's config, as the engine records it: objects set by path, secrets inside them.
        pulumi("stack", "init", "src");
        pulumi("config", "set", "-s", "src", "ologywood:imageTag", "1.1.0");
        pulumi("config", "set", "-s", "src", "--path", "ologywood:backup.storageClass", "rehearsal-local");
        pulumi("config", "set", "-s", "src", "--path", "ologywood:backup.retentionDays", "30");
        pulumi("config", "set", "-s", "src", "--path", "ologywood:db.host", "db.internal");
        pulumi("config", "set", "-s", "src", "--secret", "--path", "ologywood:db.credentials.app", "s3cret-app-password");
        for (const stack of ["old", "new"]) {
            pulumi("stack", "init", stack);
            pulumi("config", "set", "-s", stack, "ologywood:stale", "gone-after-the-rollback");
        }
    });
    after(() => {
        process.env = saved;
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the old way (set-all with plain values) loses the object when the rollback then sets backup.skipPreDeployFor", async () => {
        const target = await (await LocalWorkspace.selectStack({ stackName: "src", workDir: dir })).getAllConfig();
        const stack = await LocalWorkspace.selectStack({ stackName: "old", workDir: dir });
        await stack.setAllConfig(target);
        await stack.setConfig("ologywood:backup.skipPreDeployFor", { value: "1.1.0" }, true);
        assert.deepEqual(configOf("old")["ologywood:backup"].objectValue, { skipPreDeployFor: "1.1.0" }, "storageClass and retentionDays lost: the bug");
    });

    it("the driver's way keeps every object, its types and its secrets encrypted, and removes what the target lacks", async () => {
        const driver = AutomationDriver.create(dir);
        const target = await driver.getAllConfig("src");
        await driver.setAllConfig("new", target);
        await driver.setConfig("new", "ologywood:backup.skipPreDeployFor", { value: "1.1.0" }, { path: true });
        const c = configOf("new");
        assert.deepEqual(c["ologywood:backup"].objectValue, { storageClass: "rehearsal-local", retentionDays: 30, skipPreDeployFor: "1.1.0" });
        assert.deepEqual(c["ologywood:db"].objectValue, { host: "db.internal", credentials: { app: "s3cret-app-password" } });
        assert.equal(c["ologywood:db"].secret, true);
        assert.equal(c["ologywood:imageTag"].value, "1.1.0");
        assert.equal(c["ologywood:stale"], undefined);
        const file = fs.readFileSync(path.join(dir, "Pulumi.new.yaml"), "utf8");
        assert.doesNotMatch(file, /s3cret/, "the secret is encrypted in the stack file");
        assert.match(file, /app:\n\s+secure: v1:/);
        assert.match(file, /host: db\.internal/);
    });
});
