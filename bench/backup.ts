/**
 * `npm run bench:backup [-- --size-mb 500 --rounds 3 --jobs 2 --compression 0]`
 *
 * Builds a booking database of about --size-mb MB on a throwaway PostgreSQL, then, in the same
 * run and on the same server, times the deployment plan's way against ours:
 *   backup   plan: pg_dump db > file.sql            ours: scripts/db-backup.sh (dump + verification)
 *   restore  plan: psql fresh_db < file.sql         ours: scripts/db-restore.sh (checksums, pg_restore -j, row counts)
 * Each round runs both, alternating which goes first; medians are compared with the targets
 * (backup <= 1.0x the plain dump, restore <= 0.6x the psql restore). Prints figures; asserts nothing.
 * --server-setting name=value (repeatable) starts the server with a setting, for both ways alike.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPT, RESTORE_SCRIPT } from "../components/backups/scripts";
import { rowsForMegabytes, totalRows } from "../tests/support/booking-data";
import { PgServer, startPostgres } from "../tests/support/postgres";
import { StackDatabase, createEmptyDatabase, provisionStackDatabase, seedBookingData } from "../tests/database/stack-db";

const TARGETS = { backup: 1.0, restore: 0.6 };

interface Options {
    sizeMb: number;
    rounds: number;
    jobs: number;
    compression: number;
    settings: Record<string, string>;
}

function parseArgs(argv: string[]): Options {
    const options: Options = { sizeMb: 500, rounds: 3, jobs: 2, compression: 0, settings: {} };
    const names: Record<string, "sizeMb" | "rounds" | "jobs" | "compression"> = {
        "--size-mb": "sizeMb",
        "--rounds": "rounds",
        "--jobs": "jobs",
        "--compression": "compression",
    };
    for (let i = 0; i < argv.length; i++) {
        // A server setting for both ways alike, e.g. --server-setting wal_level=minimal (exploration only).
        const setting = argv[i] === "--server-setting" ? /^([a-z_]+)=(\S+)$/.exec(argv[i + 1] ?? "") : undefined;
        if (setting) {
            options.settings[setting[1]] = setting[2];
            i++;
            continue;
        }
        const key = names[argv[i]];
        const value = Number(argv[i + 1]);
        if (!key || !Number.isInteger(value) || value < (key === "compression" ? 0 : 1)) {
            console.error(
                `usage: npm run bench:backup -- [--size-mb N (default 500)] [--rounds N (3)] [--jobs N (2)] [--compression 0-9 (0)] [--server-setting name=value ...]\n` +
                    `error: ${key ? `${argv[i]} needs a ${key === "compression" ? "non-negative" : "positive"} integer, got '${argv[i + 1]}'` : `unknown argument '${argv[i]}'`}`,
            );
            process.exit(2);
        }
        options[key] = value;
        i++;
    }
    return options;
}

/** Runs a shell command, returns its wall time in seconds; throws with its stderr on failure. */
function timed(command: string, env: NodeJS.ProcessEnv): number {
    const started = process.hrtime.bigint();
    const result = spawnSync("bash", ["-c", command], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`'${command}' failed (exit ${result.status}): ${result.stderr}`);
    return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => n.toFixed(2).padStart(7);

function settle(server: PgServer): void {
    // Each timed step starts from the same place: dirty pages written out, a fresh checkpoint.
    spawnSync("sync");
    server.psql("CHECKPOINT");
}

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-bench-"));
    console.log(`bench:backup: starting PostgreSQL, building a ~${options.sizeMb} MB booking database ...`);
    const server = await startPostgres({ settings: options.settings });
    try {
        const db: StackDatabase = provisionStackDatabase(server, "ologywood_bench");
        const rows = rowsForMegabytes(options.sizeMb);
        const seedStarted = Date.now();
        seedBookingData(server, db, rows);
        const bytes = Number(server.psql(`SELECT pg_database_size('${db.database}')`));
        console.log(
            `  ${(bytes / 1e6).toFixed(0)} MB, ${totalRows(rows).toLocaleString("en")} rows (artists ${rows.artists}, bookings ${rows.bookings}, error_logs ${rows.errorLogs}), built in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`,
        );
        const settings = Object.entries(options.settings)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ");
        console.log(
            `  PostgreSQL ${server.psql("SHOW server_version")} (${settings || "default settings"}), ${os.cpus().length} CPUs; ours: directory format, -j ${options.jobs}, gzip level ${options.compression}`,
        );

        const backupEnv = server.env(db.roles.backup, {
            BACKUP_DIR: work,
            BACKUP_JOBS: String(options.jobs),
            BACKUP_COMPRESSION: String(options.compression),
            BACKUP_LABEL: "bench",
        });
        const ownerEnv = (database: string) => server.env({ ...db.roles.owner, database }, { RESTORE_JOBS: String(options.jobs) });
        const plainFile = path.join(work, "plan.sql");
        const results = { planBackup: [] as number[], oursBackup: [] as number[], planRestore: [] as number[], oursRestore: [] as number[] };
        let sizes = { plain: 0, ours: 0 };

        for (let round = 1; round <= options.rounds; round++) {
            const planFirst = round % 2 === 1;
            const steps: (() => void)[] = [];
            let ourDump = "";
            const planBackup = () => {
                settle(server);
                results.planBackup.push(timed(`pg_dump ${db.database} > '${plainFile}'`, backupEnv));
            };
            const oursBackup = () => {
                settle(server);
                const before = new Set(fs.readdirSync(work));
                results.oursBackup.push(timed(`bash '${BACKUP_SCRIPT}' > /dev/null`, backupEnv));
                ourDump = path.join(
                    work,
                    fs.readdirSync(work).find((f) => !before.has(f) && f.endsWith(".dump"))!,
                );
            };
            const planRestore = () => {
                createEmptyDatabase(server, db, "bench_plan");
                settle(server);
                results.planRestore.push(timed(`psql -q -d bench_plan < '${plainFile}' > /dev/null`, ownerEnv("bench_plan")));
            };
            const oursRestore = () => {
                createEmptyDatabase(server, db, "bench_ours");
                settle(server);
                results.oursRestore.push(timed(`bash '${RESTORE_SCRIPT}' '${ourDump}' > /dev/null`, ownerEnv("bench_ours")));
            };
            steps.push(...(planFirst ? [planBackup, oursBackup] : [oursBackup, planBackup]));
            steps.push(...(planFirst ? [planRestore, oursRestore] : [oursRestore, planRestore]));
            for (const step of steps) step();

            sizes = { plain: fs.statSync(plainFile).size, ours: Number(spawnSync("du", ["-sb", ourDump], { encoding: "utf8" }).stdout.split("\t")[0]) };
            const restoredRows = server.psql("SELECT (SELECT count(*) FROM bookings) || '/' || (SELECT count(*) FROM error_logs)", {
                ...db.roles.owner,
                database: "bench_ours",
            });
            console.log(
                `  round ${round}/${options.rounds} (${planFirst ? "plan" : "ours"} first): backup plan ${fmt(results.planBackup.at(-1)!)} s, ours ${fmt(results.oursBackup.at(-1)!)} s;` +
                    ` restore plan ${fmt(results.planRestore.at(-1)!)} s, ours ${fmt(results.oursRestore.at(-1)!)} s (bookings/error_logs restored: ${restoredRows})`,
            );
            for (const name of ["bench_plan", "bench_ours"]) server.psql(`DROP DATABASE ${name}`, db.admin);
            fs.rmSync(plainFile);
            spawnSync("rm", ["-rf", ourDump, `${ourDump}.sha256`, `${ourDump}.counts`]);
        }

        const m = {
            planBackup: median(results.planBackup),
            oursBackup: median(results.oursBackup),
            planRestore: median(results.planRestore),
            oursRestore: median(results.oursRestore),
        };
        const backupRatio = m.oursBackup / m.planBackup;
        const restoreRatio = m.oursRestore / m.planRestore;
        const verdict = (ratio: number, target: number) => (ratio <= target ? "target met" : "TARGET MISSED");
        console.log("");
        console.log(`median of ${options.rounds} rounds        plan (s)   ours (s)   ours/plan   target`);
        console.log(
            `backup (ours verified)   ${fmt(m.planBackup)}    ${fmt(m.oursBackup)}     ${backupRatio.toFixed(2)}x     <= ${TARGETS.backup.toFixed(1)}x  ${verdict(backupRatio, TARGETS.backup)}`,
        );
        console.log(
            `restore (ours checked)   ${fmt(m.planRestore)}    ${fmt(m.oursRestore)}     ${restoreRatio.toFixed(2)}x     <= ${TARGETS.restore.toFixed(1)}x  ${verdict(restoreRatio, TARGETS.restore)}`,
        );
        console.log(`backup size: plan ${(sizes.plain / 1e6).toFixed(0)} MB (plain SQL), ours ${(sizes.ours / 1e6).toFixed(0)} MB`);
    } finally {
        server.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(`bench:backup failed: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
});
