/**
 * The maintenance switch: sets `ologywood:maintenance` and runs `pulumi up`, so that the public
 * host serves the maintenance page (503 + Retry-After) or the API again. One function, shared by
 * `npm run maintenance` (cli/maintenance.ts), the release pipeline's rollback and
 * `npm run db:restore`; the decisions live here and are tested with FakeDriver.
 */
import { Log } from "./checks";
import { Clock, systemClock } from "./clock";
import { configDrift, driftMessage } from "./config-drift";
import { ConfigMap, RunOptions, StackDriver, UpdateRecord } from "./drivers/driver";
import { configKey } from "./stack-config";

/** The stack config key the program reads (config/schema.ts `maintenance`). */
export const MAINTENANCE_KEY = configKey("maintenance");

export interface MaintenanceOptions {
    /** Environment recorded with the update (e.g. the program's git commit). */
    environment?: Record<string, string>;
    /** Update message shown in `pulumi stack history`; default `maintenance on|off`. */
    message?: string;
    /** Stream the engine's output through `log`, indented (default true: a long `up` should show progress). */
    streamOutput?: boolean;
    /** Times the steps. @default systemClock */
    clock?: Clock;
    /** Keys the caller itself changes around this switch (db:restore's): not counted as drift from the deployed config. */
    ownKeys?: string[];
}

export interface MaintenanceResult {
    stack: string;
    on: boolean;
    /** `ologywood:maintenance` was written by this call. */
    configChanged: boolean;
    /** `pulumi up` ran. */
    updated: boolean;
    /** Wall time of the whole call, in seconds. */
    seconds: number;
}

/** Stopped before anything was changed; safe to fix the cause and run again. */
export class MaintenanceRefusedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "MaintenanceRefusedError";
    }
}

/**
 * `pulumi up` failed after the config holds the new value: the stack is between states. The
 * message says what was changed and what to run to retry or to revert.
 */
export class MaintenanceUpdateError extends Error {
    constructor(
        readonly stackName: string,
        readonly on: boolean,
        /** This call wrote the config (false: it already had the value). */
        readonly configChanged: boolean,
        override readonly cause: unknown,
    ) {
        super(updateFailureMessage(stackName, on, configChanged, cause));
        this.name = "MaintenanceUpdateError";
    }
}

/**
 * Turns maintenance mode on or off on `stack`, through `driver`.
 *
 * When the config already has the wanted value, `up` still runs unless the newest update of the
 * stack succeeded with that same value: the config alone proves nothing (a previous `up` may have
 * failed after the config was set, or someone ran `pulumi config set` by hand), while a
 * succeeded update with the value is what the cluster runs. So a repeated `on` is a quick no-op,
 * and an `on` after a failed attempt finishes the job.
 *
 * Throws MaintenanceRefusedError (nothing changed) or MaintenanceUpdateError (config changed, up failed).
 */
export async function setMaintenance(
    driver: StackDriver,
    stack: string,
    on: boolean,
    log: Log = console.log,
    options: MaintenanceOptions = {},
): Promise<MaintenanceResult> {
    const clock = options.clock ?? systemClock;
    const seconds = (since: number) => ((clock.now() - since) / 1000).toFixed(1);
    const started = clock.now();
    const say = (line: string) => log(`[maintenance] ${stack}: ${line}`);
    const want = on ? "true" : "false";
    const label = on ? "ON" : "OFF";
    say(`turning maintenance mode ${label} (${MAINTENANCE_KEY}=${want})`);

    const local = await driver.getAllConfig(stack);
    const configured = readFlag(local);
    const newest = newestUpdate(await driver.history(stack));
    if (!newest) {
        throw new MaintenanceRefusedError(
            `${stack} has no update in its history: maintenance mode switches the route of a deployed stack. ` +
                "Deploy the stack first (npm run release). Nothing was changed.",
        );
    }
    if (newest.result === "in-progress") {
        throw new MaintenanceRefusedError(
            `another update of ${stack} is in progress (#${newest.version}, started ${newest.startTime.toISOString()}` +
                `${newest.message ? `, "${newest.message}"` : ""}). Wait for it to finish and run this again; ` +
                "if its process died, clear the lock with `pulumi cancel --stack " +
                stack +
                "` first. Nothing was changed.",
        );
    }
    // The switch deploys the stack file: it must hold what runs, or the update deploys more than the switch.
    const drift = configDrift(local, newest.config, [MAINTENANCE_KEY, ...(options.ownKeys ?? [])]);
    if (drift.length > 0) throw new MaintenanceRefusedError(driftMessage(stack, newest, drift, `maintenance ${on ? "on" : "off"}`));
    const deployed = newest.result === "succeeded" ? readFlag(newest.config) : undefined;
    say(`stack config has ${show(configured)}; newest update #${newest.version} ${newest.result}` + (deployed === undefined ? "" : ` with ${show(deployed)}`));

    if (configured === on && deployed === on) {
        say(`maintenance mode is already ${label}: nothing to do (took ${seconds(started)} s)`);
        return { stack, on, configChanged: false, updated: false, seconds: Number(seconds(started)) };
    }

    const configChanged = configured !== on;
    if (configChanged) {
        const t = clock.now();
        await driver.setConfig(stack, MAINTENANCE_KEY, { value: want, secret: false });
        say(`set ${MAINTENANCE_KEY}=${want} in the stack config (${seconds(t)} s)`);
    } else {
        say(`${MAINTENANCE_KEY} is already ${want} in the stack config, but not deployed: running the update`);
    }

    const t = clock.now();
    say("pulumi up: started");
    const run: RunOptions = {
        message: options.message ?? `maintenance ${on ? "on" : "off"}`,
        environment: options.environment,
        onOutput: options.streamOutput === false ? undefined : (line) => log(`    ${line}`),
    };
    try {
        const result = await driver.up(stack, run);
        say(`pulumi up: succeeded in ${seconds(t)} s (${summary(result.changeSummary)})`);
    } catch (cause) {
        say(`pulumi up: FAILED after ${seconds(t)} s`);
        throw new MaintenanceUpdateError(stack, on, configChanged, cause);
    }
    say(
        `maintenance mode is ${label}: ${
            on ? "the public host answers 503 with the maintenance page" : "the public host routes to the API again"
        } (took ${seconds(started)} s)`,
    );
    return { stack, on, configChanged, updated: true, seconds: Number(seconds(started)) };
}

/** The value of `ologywood:maintenance` in a config map: absent means the schema's default, false. */
export function readFlag(config: ConfigMap): boolean | undefined {
    const raw = config[MAINTENANCE_KEY]?.value;
    if (raw === undefined) return false;
    if (raw === "true") return true;
    if (raw === "false") return false;
    return undefined; // something else: never equal to the wanted value, so it gets overwritten
}

/** Newest `update` in the history (previews and refreshes do not change what runs). */
function newestUpdate(history: UpdateRecord[]): UpdateRecord | undefined {
    return history.find((h) => h.kind === "update");
}

function updateFailureMessage(stack: string, on: boolean, configChanged: boolean, cause: unknown): string {
    const want = on ? "true" : "false";
    const back = on ? "off" : "on";
    const reason = cause instanceof Error ? cause.message : String(cause);
    return [
        `pulumi up of ${stack} failed: ${reason}`,
        configChanged
            ? `The stack config WAS changed: ${MAINTENANCE_KEY} is now ${want} (it was ${on ? "false" : "true"}).`
            : `The stack config already had ${MAINTENANCE_KEY}=${want}; this run did not change it.`,
        "The cluster may be half switched: check the public host before telling users anything.",
        `  retry:  npm run maintenance -- ${stack} ${on ? "on" : "off"}`,
        `  revert: npm run maintenance -- ${stack} ${back}`,
        `  revert the config only, without touching the cluster: pulumi config set ${MAINTENANCE_KEY} ${on ? "false" : "true"} --stack ${stack}`,
    ].join("\n");
}

function show(v: boolean | undefined): string {
    return v === undefined ? "an unreadable value" : String(v);
}

function summary(changes: Record<string, number>): string {
    const parts = Object.entries(changes)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${op}: ${n}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}
