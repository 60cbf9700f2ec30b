/**
 * The deployment plan's database rollback, as one procedure over the StackDriver: maintenance
 * page on, workloads to zero, the restore Job, its integrity check, workloads back, maintenance
 * page off. Each step is one `pulumi up` of the real program with one more config value, so the
 * cluster only ever moves forward through states the program declares. When a step fails it
 * stops there and says what state the stack is in and what to run next; nothing is undone behind
 * the operator's back. `npm run db:restore` (cli/db-restore.ts) is the thin CLI.
 */
import { BACKUP_FILE, RESTORE_REQUEST_ID } from "../config/database";
import { ConfigError, fromPulumiConfigMap, parseConfig } from "../config/load";
import { databaseNameFor } from "../components/database/access";
import { RESTORE_JOB_PREFIX } from "../components/backups/jobs";
import { StackDriver, UpdateRecord } from "./drivers/driver";
import { Log } from "./checks";
import { MAINTENANCE_KEY, setMaintenance } from "./maintenance";
import { configDrift, driftMessage } from "./config-drift";
import { configKey } from "./stack-config";

export const PAUSED_KEY = configKey("paused");
/** Path keys (`pulumi config set --path`) of the restore request the program reads. */
export const RESTORE_KEY = configKey("backup.restore");
export const RESTORE_FILE_KEY = `${RESTORE_KEY}.file`;
export const RESTORE_REQUEST_KEY = `${RESTORE_KEY}.requestId`;
/** The keys db:restore changes itself (besides the maintenance switch). */
const OWN_KEYS = [PAUSED_KEY, RESTORE_KEY];
/** The stack output the Backups component fills while a restore is requested. */
export const RESTORE_OUTPUT = "databaseRestore";

export const STEPS = ["maintenance-on", "pause", "restore", "integrity", "resume", "maintenance-off"] as const;
export type Step = (typeof STEPS)[number];

const STEP_TITLES: Record<Step, string> = {
    "maintenance-on": "maintenance page on",
    pause: "workloads scaled to zero",
    restore: "restore Job",
    integrity: "integrity check (row counts)",
    resume: "workloads back",
    "maintenance-off": "maintenance page off",
};

export interface RestoreOptions {
    stack: string;
    /** The backup's file name in the backup volume, e.g. ologywood_prod_pre_deployment_20260125T140000Z.dump. */
    backup: string;
    /** Names the restore Job; defaults to the current UTC time (20260125t150000z). */
    requestId?: string;
    log?: Log;
}

export interface RestoreResult {
    stack: string;
    backup: string;
    requestId: string;
    job: string;
    /** Seconds per step, in order. */
    steps: { step: Step; seconds: number }[];
}

/** Stopped before anything was changed. */
export class RestoreRefusedError extends Error {
    constructor(message: string) {
        super(`${message}\nNothing was changed.`);
        this.name = "RestoreRefusedError";
    }
}

/** A step failed: the message names it, the state the stack is in, and what to run next. */
export class RestoreStepError extends Error {
    constructor(
        readonly step: Step,
        override readonly cause: unknown,
        readonly state: string[],
        readonly next: string[],
    ) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        super(
            [
                `db:restore stopped at step ${STEPS.indexOf(step) + 1} of ${STEPS.length} (${STEP_TITLES[step]}): ${reason}`,
                "State of the stack now:",
                ...state.map((s) => `  - ${s}`),
                "What to do:",
                ...next.map((s) => `  - ${s}`),
            ].join("\n"),
        );
        this.name = "RestoreStepError";
    }
}

export function defaultRequestId(now = new Date()): string {
    return now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "z")
        .toLowerCase();
}

/** The checks made before anything changes; returns the request id to use. */
export function checkRequest(options: RestoreOptions): string {
    const database = databaseNameFor(options.stack);
    if (!BACKUP_FILE.test(options.backup)) {
        throw new RestoreRefusedError(
            `--backup '${options.backup}' is not a backup name: expected <database>_<label>_<UTC timestamp>.dump, e.g. ${database}_pre_deployment_20260125T140000Z.dump (a file in the backup volume, no directory)`,
        );
    }
    if (!options.backup.startsWith(`${database}_`)) {
        throw new RestoreRefusedError(
            `--backup '${options.backup}' is not a backup of ${database}, the database of stack ${options.stack}: restoring another stack's data is refused`,
        );
    }
    const requestId = options.requestId ?? defaultRequestId();
    if (!RESTORE_REQUEST_ID.test(requestId))
        throw new RestoreRefusedError(`request id '${requestId}' must be lowercase letters, digits and '-', at most 30 characters`);
    return requestId;
}

export async function restoreDatabase(driver: StackDriver, options: RestoreOptions): Promise<RestoreResult> {
    const { stack, backup } = options;
    const log = options.log ?? console.log;
    const say = (line: string) => log(`[db:restore] ${stack}: ${line}`);
    const requestId = checkRequest(options);
    const job = `${RESTORE_JOB_PREFIX}-${requestId}`;
    const stream = (line: string) => log(`    ${line}`);

    // Preflight. The program that will run must accept the config every step writes.
    const local = await driver.getAllConfig(stack);
    const flat = Object.fromEntries(Object.entries(local).map(([k, v]) => [k, v.value]));
    const raw = fromPulumiConfigMap(flat);
    const during = { ...raw, maintenance: true, paused: true, backup: { ...(raw.backup as object | undefined), restore: { file: backup, requestId } } };
    const parsed = parseConfig(during);
    if (!parsed.ok) throw new RestoreRefusedError(new ConfigError(parsed.problems, `config of stack ${stack} during the restore`).message);
    const ns = parsed.config.namespace;
    const newest: UpdateRecord | undefined = (await driver.history(stack)).find((h) => h.kind === "update");
    if (!newest) throw new RestoreRefusedError(`${stack} has no update in its history: there is no deployed database to restore into`);
    if (newest.result === "in-progress") {
        throw new RestoreRefusedError(
            `another update of ${stack} is in progress (#${newest.version}); wait for it, or clear a dead lock with \`pulumi cancel --stack ${stack}\``,
        );
    }
    // Every step deploys the stack file: it must hold what runs (config-drift.ts).
    const drift = configDrift(local, newest.config, [MAINTENANCE_KEY, ...OWN_KEYS]);
    if (drift.length > 0) throw new RestoreRefusedError(driftMessage(stack, newest, drift, "db:restore"));

    const steps: RestoreResult["steps"] = [];
    const run = async (step: Step, body: () => Promise<void>, state: string[], next: string[]) => {
        const started = Date.now();
        say(`step ${STEPS.indexOf(step) + 1}/${STEPS.length}: ${STEP_TITLES[step]}`);
        try {
            await body();
        } catch (cause) {
            say(`step ${STEPS.indexOf(step) + 1}/${STEPS.length}: ${STEP_TITLES[step]} FAILED`);
            throw new RestoreStepError(step, cause, state, next);
        }
        const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
        steps.push({ step, seconds });
        say(`step ${STEPS.indexOf(step) + 1}/${STEPS.length}: ${STEP_TITLES[step]} done (${seconds} s)`);
    };
    const up = (message: string) => driver.up(stack, { message: `db:restore: ${message}`, onOutput: stream });
    const rerun = `rerun \`npm run db:restore -- ${stack} --backup ${backup}\` once the cause is fixed (steps already done are quick no-ops or repeats)`;
    const logs = `the restore Job's logs: kubectl -n ${ns} logs job/${job} --all-containers`;
    const resumeByHand = `bring the workloads back by hand: pulumi config rm --path ${RESTORE_KEY} --stack ${stack} && pulumi config set ${PAUSED_KEY} false --stack ${stack} && pulumi up --stack ${stack}`;

    await run(
        "maintenance-on",
        async () => {
            await setMaintenance(driver, stack, true, log, { message: "db:restore: maintenance on", ownKeys: OWN_KEYS });
        },
        ["the maintenance page may be half switched on (see the error)", "the workloads are running as before; the database is untouched"],
        [rerun, `or go back: npm run maintenance -- ${stack} off`],
    );

    await run(
        "pause",
        async () => {
            await driver.setConfig(stack, PAUSED_KEY, { value: "true" });
            await up("workloads to zero");
        },
        [
            "the maintenance page is ON",
            `${PAUSED_KEY} is true in the stack config; the API, worker and email service may be partly scaled down`,
            "the database is untouched",
        ],
        [rerun, `or go back: pulumi config set ${PAUSED_KEY} false --stack ${stack} && pulumi up --stack ${stack}, then npm run maintenance -- ${stack} off`],
    );

    await run(
        "restore",
        async () => {
            await driver.setConfig(stack, RESTORE_FILE_KEY, { value: backup }, { path: true });
            await driver.setConfig(stack, RESTORE_REQUEST_KEY, { value: requestId }, { path: true });
            await up(`restore ${backup} (request ${requestId})`);
        },
        [
            "the maintenance page is ON and the workloads are at zero: nothing writes to the database",
            `the database may be PARTLY restored; what was there before is in the backup volume as ${databaseNameFor(stack)}_pre_restore_<timestamp>.dump (if the Job got that far)`,
            `the restore request (${RESTORE_KEY}: ${backup}, request ${requestId}) is in the stack config`,
        ],
        [
            `read ${logs}`,
            `do not bring the workloads back before the database is right; ${rerun}, or restore another backup`,
            `only if the database is fine after all: ${resumeByHand}`,
        ],
    );

    let confirmed: { job: string } | undefined;
    await run(
        "integrity",
        async () => {
            const outputs = await driver.outputs(stack);
            const status = outputs[RESTORE_OUTPUT]?.value as { requestId?: string; file?: string; job?: string; succeeded?: number } | undefined;
            if (!status) throw new Error(`the stack has no ${RESTORE_OUTPUT} output: the program that ran does not declare the restore Job`);
            if (status.requestId !== requestId || status.file !== backup) {
                throw new Error(`the stack reports restore request ${status.requestId} of ${status.file}, not ${requestId} of ${backup}`);
            }
            if (!status.succeeded || status.succeeded < 1) {
                throw new Error(`Job ${status.job} did not report success: the restore or its row-count comparison with the backup failed`);
            }
            confirmed = { job: status.job ?? job };
            say(`Job ${confirmed.job} restored ${backup} and every table has the backup's row count`);
        },
        ["the maintenance page is ON and the workloads are at zero", "the restore Job ran, but its success (restore + row counts per table) is not confirmed"],
        [`read ${logs}: it prints the row count of every table against the backup's`, rerun, `only if the counts are right: ${resumeByHand}`],
    );

    await run(
        "resume",
        async () => {
            await driver.removeConfig(stack, RESTORE_KEY, { path: true });
            await driver.setConfig(stack, PAUSED_KEY, { value: "false" });
            await up("workloads back");
        },
        [`the database is restored from ${backup} and verified`, "the maintenance page is ON; the workloads may be partly back (see the error)"],
        [`retry: pulumi up --stack ${stack}`, `then: npm run maintenance -- ${stack} off`],
    );

    await run(
        "maintenance-off",
        async () => {
            await setMaintenance(driver, stack, false, log, { message: "db:restore: maintenance off", ownKeys: OWN_KEYS });
        },
        [`the database is restored from ${backup} and verified; the workloads are back`, "the maintenance page is still ON (or half off)"],
        [`retry: npm run maintenance -- ${stack} off`],
    );

    say(`done: ${stack} runs on the data of ${backup}`);
    return { stack, backup, requestId, job: confirmed!.job, steps };
}
