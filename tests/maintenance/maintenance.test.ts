import * as assert from "assert";
import { ConfigMap } from "../../pipeline/drivers/driver";
import { FakeDriver, FakeDriverOptions } from "../support/fake-driver";
import { MAINTENANCE_KEY, MaintenanceRefusedError, MaintenanceUpdateError, readFlag, setMaintenance } from "../../pipeline/maintenance";
import { lines, stackConfigMap } from "../support/stack-config";

const STACK = "staging";

function withFlag(config: ConfigMap, value: string | undefined): ConfigMap {
    const copy = { ...config };
    if (value === undefined) delete copy[MAINTENANCE_KEY];
    else copy[MAINTENANCE_KEY] = { value, secret: false };
    return copy;
}

/** A deployed staging stack: its last update succeeded with `deployed`, its config now holds `configured`. */
async function deployedStack(deployed: string | undefined, configured = deployed, options: FakeDriverOptions = {}): Promise<FakeDriver> {
    const driver = new FakeDriver(options);
    driver.seedUpdate(STACK, { version: 7, message: "release 1.0.0", config: withFlag(stackConfigMap(STACK), deployed) });
    // As `pulumi config set` by hand, or an earlier attempt, would have left it.
    if (configured !== deployed && configured !== undefined) await driver.setConfig(STACK, MAINTENANCE_KEY, { value: configured });
    driver.calls.length = 0;
    return driver;
}

async function flagOf(driver: FakeDriver): Promise<string | undefined> {
    const config = await driver.getAllConfig(STACK);
    return config[MAINTENANCE_KEY]?.value;
}

describe("maintenance switch (setMaintenance)", () => {
    it("turning it on sets the config, then runs up, in that order, and says how long it took", async () => {
        const driver = await deployedStack("false");
        const out = lines();
        const result = await setMaintenance(driver, STACK, true, out.log);

        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "setConfig", "up"]);
        assert.deepStrictEqual(driver.calls.find((c) => c.method === "setConfig")?.detail, { key: MAINTENANCE_KEY, value: "true" });
        assert.strictEqual(await flagOf(driver), "true");
        assert.deepStrictEqual({ ...result, seconds: 0 }, { stack: STACK, on: true, configChanged: true, updated: true, seconds: 0 });
        assert.match(out.text(), /turning maintenance mode ON \(ologywood:maintenance=true\)/);
        assert.match(out.text(), /pulumi up: succeeded in \d+\.\d s \(update: 1\)/);
        assert.match(out.text(), /maintenance mode is ON: the public host answers 503 .*\(took \d+\.\d s\)/);
    });

    it("turning it off sets false and routes back to the API", async () => {
        const driver = await deployedStack("true");
        const out = lines();
        await setMaintenance(driver, STACK, false, out.log);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "setConfig", "up"]);
        assert.strictEqual(await flagOf(driver), "false");
        assert.match(out.text(), /maintenance mode is OFF: the public host routes to the API again/);
    });

    it("the deployed update records the new value, with the message and options passed through", async () => {
        const driver = await deployedStack("false");
        await setMaintenance(driver.at("/tmp/worktree-abc"), STACK, true, () => undefined, {
            message: "rollback: maintenance on",
            environment: { GIT_COMMIT: "abc1234" },
        });
        const [newest] = await driver.history(STACK);
        assert.strictEqual(newest.result, "succeeded");
        assert.strictEqual(readFlag(newest.config), true);
        assert.deepStrictEqual(newest.environment, { GIT_COMMIT: "abc1234" });
        assert.deepStrictEqual(driver.calls.find((c) => c.method === "up")?.detail, { message: "rollback: maintenance on", workDir: "/tmp/worktree-abc" });
    });

    it("already on and deployed that way: no config write, no up", async () => {
        const driver = await deployedStack("true");
        const out = lines();
        const result = await setMaintenance(driver, STACK, true, out.log);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history"]);
        assert.strictEqual(result.updated, false);
        assert.strictEqual(result.configChanged, false);
        assert.match(out.text(), /already ON: nothing to do \(took \d+\.\d s\)/);
    });

    it("already off, with no maintenance key at all (the schema default): nothing to do", async () => {
        const driver = await deployedStack(undefined);
        const result = await setMaintenance(driver, STACK, false, () => undefined);
        assert.strictEqual(result.updated, false);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history"]);
    });

    it("config already on but the newest update failed (an earlier attempt): runs up without writing the config", async () => {
        const driver = await deployedStack("false", "false", { failUp: (_s, _c, o) => (o.message === "first try" ? new Error("timeout") : undefined) });
        await assert.rejects(
            setMaintenance(driver, STACK, true, () => undefined, { message: "first try" }),
            MaintenanceUpdateError,
        );
        driver.calls.length = 0;
        const out = lines();
        const result = await setMaintenance(driver, STACK, true, out.log);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "up"]);
        assert.deepStrictEqual({ configChanged: result.configChanged, updated: result.updated }, { configChanged: false, updated: true });
        assert.match(out.text(), /already true in the stack config, but not deployed/);
    });

    it("config set to on by hand but never deployed: runs up without writing the config", async () => {
        const driver = await deployedStack("false", "true");
        await setMaintenance(driver, STACK, true, () => undefined);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "up"]);
    });

    it("an unreadable value in the config is overwritten", async () => {
        const driver = await deployedStack("false", "yes");
        await setMaintenance(driver, STACK, true, () => undefined);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "setConfig", "up"]);
        assert.strictEqual(await flagOf(driver), "true");
    });

    it("up fails after the config was changed: the error says so and gives the retry and revert commands", async () => {
        const driver = await deployedStack("false", "false", { failUp: () => new Error("ingress update timed out") });
        const out = lines();
        const error = await setMaintenance(driver, STACK, true, out.log).then(
            () => undefined,
            (e) => e,
        );
        assert.ok(error instanceof MaintenanceUpdateError, `expected MaintenanceUpdateError, got ${error}`);
        assert.strictEqual(error.configChanged, true);
        assert.match(error.message, /pulumi up of staging failed: ingress update timed out/);
        assert.match(error.message, /stack config WAS changed: ologywood:maintenance is now true \(it was false\)/);
        assert.match(error.message, /retry: +npm run maintenance -- staging on/);
        assert.match(error.message, /revert: +npm run maintenance -- staging off/);
        assert.match(error.message, /pulumi config set ologywood:maintenance false --stack staging/);
        assert.match(out.text(), /pulumi up: FAILED after \d+\.\d s/);
        assert.strictEqual(await flagOf(driver), "true", "the config keeps the new value, as the message says");
        assert.strictEqual((await driver.history(STACK))[0].result, "failed");
    });

    it("up fails when the config already had the value: the error says the config was not changed", async () => {
        const driver = await deployedStack("true", "false", { failUp: () => new Error("boom") });
        const error = await setMaintenance(driver, STACK, false, () => undefined).then(
            () => undefined,
            (e) => e,
        );
        assert.ok(error instanceof MaintenanceUpdateError);
        assert.strictEqual(error.configChanged, false);
        assert.match(error.message, /already had ologywood:maintenance=false; this run did not change it/);
        assert.match(error.message, /revert: +npm run maintenance -- staging on/);
    });

    it("refuses a stack that was never deployed, without changing anything", async () => {
        const driver = new FakeDriver({ stacks: { [STACK]: withFlag(stackConfigMap(STACK), "false") } });
        await assert.rejects(
            setMaintenance(driver, STACK, true, () => undefined),
            (e: Error) => e instanceof MaintenanceRefusedError && /no update in its history/.test(e.message) && /Nothing was changed/.test(e.message),
        );
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history"]);
    });

    it("refuses when the stack file does not hold what runs (after a rollback from a worktree), naming the keys, hiding secrets, changing nothing", async () => {
        // The rehearsal's case: the stack rolled back to 1.1.0, the checkout's file still says 1.2.0.
        const deployed = withFlag(stackConfigMap(STACK), "false");
        const driver = new FakeDriver();
        driver.seedUpdate(STACK, {
            version: 9,
            message: "rollback to update #7 (release 1.1.0)",
            config: {
                ...deployed,
                "ologywood:imageTag": { value: "1.1.0" },
                "ologywood:smtp": { value: JSON.stringify({ password: "deployed-password" }), secret: true },
            },
        });
        await driver.setConfig(STACK, "ologywood:imageTag", { value: "1.2.0" });
        await driver.setConfig(STACK, "ologywood:smtp.password", { value: "other-password", secret: true }, { path: true });
        driver.calls.length = 0;
        await assert.rejects(
            setMaintenance(driver, STACK, true, () => undefined),
            (e: Error) => {
                assert.ok(e instanceof MaintenanceRefusedError);
                assert.match(e.message, /Pulumi\.staging\.yaml does not hold the config staging last ran \(update #9, "rollback to update #7/);
                assert.match(e.message, /ologywood:imageTag: "1\.2\.0" in Pulumi\.staging\.yaml, "1\.1\.0" deployed/);
                assert.match(e.message, /ologywood:smtp\.password: \[secret\] in Pulumi\.staging\.yaml, \[secret\] deployed/);
                assert.doesNotMatch(e.message, /password"|deployed-password|other-password/);
                assert.match(e.message, /pulumi config refresh --stack staging --force/);
                assert.match(e.message, /Nothing was changed/);
                return true;
            },
        );
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history"]);
    });

    it("a maintenance flag that differs is not drift: it is the switch itself", async () => {
        const driver = await deployedStack("false", "true");
        await setMaintenance(driver, STACK, true, () => undefined);
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history", "up"]);
    });

    it("refuses while another update is in progress, naming it and how to clear a dead lock", async () => {
        const driver = new FakeDriver();
        driver.seedUpdate(STACK, { version: 12, result: "in-progress", message: "release 1.2.0", config: withFlag(stackConfigMap(STACK), "false") });
        await assert.rejects(
            setMaintenance(driver, STACK, true, () => undefined),
            (e: Error) =>
                e instanceof MaintenanceRefusedError &&
                /in progress \(#12/.test(e.message) &&
                /"release 1.2.0"/.test(e.message) &&
                /pulumi cancel --stack staging/.test(e.message),
        );
        assert.deepStrictEqual(driver.methodsOn(STACK), ["getAllConfig", "history"]);
    });
});
