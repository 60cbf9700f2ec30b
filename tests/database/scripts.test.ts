/**
 * scripts/db-backup.sh and scripts/db-restore.sh, the files the Backups component puts in its
 * ConfigMap, run with bash against a real PostgreSQL as the program's roles.
 */
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPT, RESTORE_SCRIPT, SCRIPT_FILES } from "../../components/backups/scripts";
import { backupSchema } from "../../config/database";
import { BookingRows, expectedCounts, totalRows } from "../support/booking-data";
import { PgServer, freePort, startPostgres } from "../support/postgres";
import { StackDatabase, createEmptyDatabase, provisionStackDatabase, seedBookingData, tableFingerprint } from "./stack-db";

const ROWS: BookingRows = { artists: 5_000, bookings: 120_000, errorLogs: 60_000 };
const TABLES = ["artists", "bookings", "error_logs"];

interface Run {
    status: number;
    stdout: string;
    stderr: string;
    json?: any;
}

function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Run {
    const result = spawnSync("bash", [script, ...args], { encoding: "utf8", env, maxBuffer: 16 * 1024 * 1024 });
    if (result.error) throw result.error;
    const last = result.stdout.trim().split("\n").pop() ?? "";
    let json: any;
    try {
        json = JSON.parse(last);
    } catch {
        json = undefined;
    }
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}

const listDir = (dir: string) => fs.readdirSync(dir).sort();

describe("backup and restore scripts (scripts/db-*.sh) against a real PostgreSQL", function () {
    this.timeout(180_000);
    let server: PgServer;
    let db: StackDatabase;
    let backupDir: string;
    let good: Run;

    const backupEnv = (extra: Record<string, string> = {}) => server.env(db.roles.backup, { BACKUP_DIR: backupDir, ...extra });
    const ownerEnv = (database: string, extra: Record<string, string> = {}) => server.env({ ...db.roles.owner, database }, extra);
    const tablesIn = (database: string) => server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", { ...db.roles.owner, database });
    const made: string[] = [];
    const scratch = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-backups-"));
        made.push(dir);
        return dir;
    };
    /** A copy of the good backup set in a directory of its own, to damage. */
    const copyOfGood = () => {
        const dir = scratch();
        const name = path.basename(good.json.file);
        for (const f of [name, `${name}.sha256`, `${name}.counts`]) fs.cpSync(path.join(backupDir, f), path.join(dir, f), { recursive: true });
        return { dir, dump: path.join(dir, name) };
    };
    const largestDataFile = (dump: string) =>
        fs
            .readdirSync(dump)
            .filter((f) => f.endsWith(".dat"))
            .map((f) => path.join(dump, f))
            .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];

    before(async () => {
        server = await startPostgres();
        db = provisionStackDatabase(server, "ologywood_test");
        seedBookingData(server, db, ROWS);
        backupDir = scratch();
        good = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_LABEL: "scheduled" }));
        assert.strictEqual(good.status, 0, good.stderr);
    });
    after(() => {
        server?.stop();
        made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
    });

    it("are clean under shellcheck", () => {
        const result = spawnSync("shellcheck", ["-x", ...SCRIPT_FILES.map((f) => f.path)], { encoding: "utf8", cwd: path.dirname(BACKUP_SCRIPT) });
        assert.ok(!result.error, "shellcheck is missing: apt-get install shellcheck");
        assert.strictEqual(result.status, 0, result.stdout);
    });

    it("backup: <database>_<label>_<UTC timestamp>.dump with .sha256 and .counts, one JSON line, nothing else left", () => {
        const name = path.basename(good.json.file);
        assert.match(name, /^ologywood_test_scheduled_\d{8}T\d{6}Z\.dump$/);
        assert.deepStrictEqual(listDir(backupDir), [name, `${name}.counts`, `${name}.sha256`]);
        assert.deepStrictEqual(Object.keys(good.json).sort(), ["bytes", "database", "file", "label", "removed", "rows", "seconds", "tables"]);
        assert.strictEqual(good.json.tables, 3);
        assert.strictEqual(good.json.rows, totalRows(ROWS));
        assert.ok(good.json.bytes > 10_000_000, `a real dump of ${totalRows(ROWS)} rows, got ${good.json.bytes} bytes`);
        assert.strictEqual(good.stdout.trim().split("\n").length, 1, "stdout is exactly one JSON line");
        // The checksum file is in sha256sum's format: coreutils checks it on its own.
        const check = spawnSync("sha256sum", ["--check", "--strict", `${name}.sha256`], { cwd: backupDir, encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        const counts = fs
            .readFileSync(path.join(backupDir, `${name}.counts`), "utf8")
            .trim()
            .split("\n");
        assert.strictEqual(counts[0], "# database: ologywood_test");
        assert.deepStrictEqual(
            Object.fromEntries(
                counts
                    .slice(1)
                    .map((l) => l.split("\t").slice(1))
                    .map(([t, n]) => [t, Number(n)]),
            ),
            expectedCounts(ROWS),
        );
    });

    it("round trip: restore into an empty database with -j gives the same rows, table by table", () => {
        createEmptyDatabase(server, db, "ologywood_restored");
        const restored = runScript(RESTORE_SCRIPT, [good.json.file], ownerEnv("ologywood_restored"));
        assert.strictEqual(restored.status, 0, restored.stderr);
        assert.deepStrictEqual(restored.json, {
            ...restored.json,
            mode: "restore",
            database: "ologywood_restored",
            tables: 3,
            rows: totalRows(ROWS),
            matches: true,
        });
        for (const [table, n] of Object.entries(expectedCounts(ROWS))) assert.match(restored.stdout, new RegExp(`^${table}\\t${n} rows\\tok$`, "m"));
        for (const table of TABLES) {
            assert.strictEqual(
                tableFingerprint(server, { ...db.roles.owner, database: "ologywood_restored" }, table),
                tableFingerprint(server, db.roles.owner, table),
                `${table} has the same contents`,
            );
        }
        // Grants and default privileges come back with the tables: the app can write to the restored copy.
        assert.strictEqual(
            server.psql(
                "INSERT INTO bookings (artist_id, event_date, venue_name, venue_address, fee, status) VALUES (1, '2026-01-01', 'v', 'a', 1, 'pending') RETURNING artist_id",
                { ...db.roles.app, database: "ologywood_restored" },
            ),
            "1",
        );
    });

    it("restore refuses a non-empty database unless --clean, which brings back the backup's rows", () => {
        const before = tableFingerprint(server, db.roles.owner, "bookings");
        server.psql("DELETE FROM bookings WHERE id % 2 = 0; CREATE TABLE added_by_a_migration (id int)", db.roles.owner);
        const damaged = tableFingerprint(server, db.roles.owner, "bookings");
        const refused = runScript(RESTORE_SCRIPT, [good.json.file], ownerEnv(db.database));
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stderr, /'ologywood_test' is not empty .* Pass --clean to replace its contents/);
        assert.strictEqual(tableFingerprint(server, db.roles.owner, "bookings"), damaged, "nothing was touched");

        const cleaned = runScript(RESTORE_SCRIPT, ["--clean", good.json.file], ownerEnv(db.database));
        assert.strictEqual(cleaned.status, 0, cleaned.stderr);
        assert.strictEqual(tableFingerprint(server, db.roles.owner, "bookings"), before);
        assert.match(cleaned.stderr, /public\.added_by_a_migration is not in the backup \(left as it was\)/);
        server.psql("DROP TABLE added_by_a_migration", db.roles.owner);
    });

    describe("verify mode touches only the scratch database made for it", () => {
        const scratchComment = (database: string) =>
            server.psql(`SELECT coalesce(shobj_description(oid, 'pg_database'), '<none>') FROM pg_database WHERE datname = '${database}'`);
        const databases = () =>
            server.psql(
                "SELECT string_agg(datname || ':' || pg_get_userbyid(datdba) || ':' || coalesce(shobj_description(oid, 'pg_database'), ''), ',' ORDER BY datname) FROM pg_database",
            );

        it("marks the program's scratch database the first time, restores into it, compares the counts, empties it, and leaves the real one alone", () => {
            const before = tableFingerprint(server, db.roles.owner, "bookings");
            // The owner role restores without CREATEDB, into the database the program made for it.
            assert.strictEqual(server.psql(`SELECT rolcreatedb FROM pg_roles WHERE rolname = '${db.roles.owner.user}'`), "f");
            // As the program makes it: empty, no comment (an earlier test may have verified already).
            server.psql(`COMMENT ON DATABASE ${db.verifyDatabase} IS NULL`, db.roles.owner);
            assert.strictEqual(tablesIn(db.verifyDatabase), "0");
            const verified = runScript(RESTORE_SCRIPT, ["--verify", good.json.file], ownerEnv(db.database));
            assert.strictEqual(verified.status, 0, verified.stderr);
            assert.strictEqual(verified.json.mode, "verify");
            assert.strictEqual(verified.json.database, "ologywood_test_verify");
            assert.strictEqual(verified.json.tables, 3);
            assert.match(scratchComment(db.verifyDatabase), /^ologywood restore verification scratch database: db-restore\.sh --verify empties it/);
            assert.strictEqual(tablesIn(db.verifyDatabase), "0", "no copy of the data is left behind");
            assert.strictEqual(tableFingerprint(server, db.roles.owner, "bookings"), before);
        });

        it("empties what an interrupted verification left in it, of every kind a restore can make", () => {
            const first = runScript(RESTORE_SCRIPT, ["--verify", good.json.file], ownerEnv(db.database));
            assert.strictEqual(first.status, 0, first.stderr);
            const scratchDb = { ...db.roles.owner, database: db.verifyDatabase };
            server.psql(
                `CREATE TABLE bookings (id int); CREATE TABLE t (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY);
                CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
                CREATE VIEW v AS SELECT * FROM t; CREATE MATERIALIZED VIEW mv AS SELECT * FROM t; CREATE SEQUENCE sq;
                CREATE TYPE comp AS (a int, b text); CREATE TYPE en AS ENUM ('a'); CREATE DOMAIN dm AS int CHECK (VALUE > 0);
                CREATE TYPE rg AS RANGE (subtype = float8); CREATE TABLE uses_types (a comp, b en, c dm, d rg);
                CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
                CREATE PROCEDURE pr() LANGUAGE sql AS 'SELECT 1'; CREATE AGGREGATE ag(int) (sfunc = int4pl, stype = int);
                CREATE OPERATOR === (leftarg = int, rightarg = int, function = int4eq); CREATE OPERATOR !!! (rightarg = int, function = int4um);
                CREATE COLLATION co (locale = 'C'); CREATE TEXT SEARCH CONFIGURATION tsc (copy = simple); CREATE TEXT SEARCH DICTIONARY tsd (template = simple);
                CREATE SCHEMA other; CREATE TABLE other.x (id int); CREATE FUNCTION other.g() RETURNS int LANGUAGE sql AS 'SELECT 2';
                CREATE PUBLICATION pub FOR TABLE t; SELECT lo_create(0);`,
                scratchDb,
            );
            const verified = runScript(RESTORE_SCRIPT, ["--verify", good.json.file], ownerEnv(db.database));
            assert.strictEqual(verified.status, 0, verified.stderr);
            const left = server.psql(
                `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)
                + (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace) + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)
                + (SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace) + (SELECT count(*) FROM pg_collation WHERE collnamespace = 'public'::regnamespace)
                + (SELECT count(*) FROM pg_ts_config WHERE cfgnamespace = 'public'::regnamespace) + (SELECT count(*) FROM pg_ts_dict WHERE dictnamespace = 'public'::regnamespace)
                + (SELECT count(*) FROM pg_namespace WHERE nspname = 'other') + (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_largeobject_metadata)`,
                scratchDb,
            );
            assert.strictEqual(left, "0");
            assert.strictEqual(
                server.psql("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'", scratchDb),
                "pg_database_owner",
                "the public schema stays",
            );
        });

        it("refuses any other database before changing anything: exit 2, naming it and why", () => {
            const precious = (database: string) => {
                createEmptyDatabase(server, db, database);
                server.psql("CREATE TABLE keep (id int); INSERT INTO keep SELECT generate_series(1, 1000)", { ...db.roles.owner, database });
            };
            precious("ologywood_precious");
            precious("ologywood_precious_verify");
            server.psql("CREATE DATABASE ologywood_admins_verify", db.admin);
            server.psql(`COMMENT ON DATABASE ologywood_admins_verify IS '${scratchComment(db.verifyDatabase)}'`, db.admin);
            const before = databases();
            const realBefore = tableFingerprint(server, db.roles.owner, "bookings");
            const cases: [string, RegExp][] = [
                ["postgres", /VERIFY_DATABASE 'postgres' is not a scratch database of the verification: its name must end in _verify/],
                ["ologywood_precious", /VERIFY_DATABASE 'ologywood_precious' is not a scratch database of the verification/],
                [db.database, /VERIFY_DATABASE must not be PGDATABASE \('ologywood_test'\)/],
                [
                    "ologywood_precious_verify",
                    /refusing to use 'ologywood_precious_verify' as the scratch database: it is not marked as one \(its comment is ''\) and it holds \d+ objects/,
                ],
                [
                    "ologywood_admins_verify",
                    /refusing to use 'ologywood_admins_verify' as the scratch database: it is owned by 'ologywood_test_admin', not by 'ologywood_test_owner'/,
                ],
                ["ologywood_gone_verify", /the scratch database 'ologywood_gone_verify' does not exist: the program creates it/],
            ];
            for (const [database, message] of cases) {
                const run = runScript(RESTORE_SCRIPT, ["--verify", good.json.file], ownerEnv(db.database, { VERIFY_DATABASE: database }));
                assert.strictEqual(run.status, 2, `${database}: ${run.stderr}`);
                assert.match(run.stderr, message);
                assert.strictEqual(databases(), before, `${database}: no database dropped, made or marked`);
            }
            for (const database of ["ologywood_precious", "ologywood_precious_verify"]) {
                assert.strictEqual(server.psql("SELECT count(*) FROM keep", { ...db.roles.owner, database }), "1000", `${database} keeps its rows`);
            }
            assert.strictEqual(tableFingerprint(server, db.roles.owner, "bookings"), realBefore);
            for (const database of ["ologywood_precious", "ologywood_precious_verify", "ologywood_admins_verify"])
                server.psql(`DROP DATABASE ${database}`, db.admin);
        });
    });

    it("the counts come from the dump's own snapshot: a backup taken under concurrent writes verifies", async () => {
        const dir = scratch();
        // The app keeps inserting while pg_dump runs; without one snapshot the counts would not match the files.
        const writer = spawn(
            "psql",
            [
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "DO $$ BEGIN FOR i IN 1..400 LOOP INSERT INTO error_logs (level, message) VALUES ('error', 'during backup ' || i); COMMIT; PERFORM pg_sleep(0.005); END LOOP; END $$",
            ],
            { env: server.env(db.roles.app) },
        );
        const done = new Promise<number>((r) => writer.on("exit", (code) => r(code ?? -1)));
        await new Promise((r) => setTimeout(r, 200));
        const during = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_DIR: dir, BACKUP_LABEL: "concurrent" }));
        assert.strictEqual(await done, 0, "the writer ran");
        assert.strictEqual(during.status, 0, during.stderr);
        const after = Number(server.psql("SELECT count(*) FROM error_logs", db.roles.owner));
        const inBackup = Number(/\tpublic\.error_logs\t(\d+)/.exec(fs.readFileSync(`${during.json.file}.counts`, "utf8"))![1]);
        assert.ok(inBackup > ROWS.errorLogs && inBackup < after, `the snapshot fell between writes (${ROWS.errorLogs} < ${inBackup} < ${after})`);
        const verified = runScript(RESTORE_SCRIPT, ["--verify", during.json.file], ownerEnv(db.database));
        assert.strictEqual(verified.status, 0, verified.stderr);
        server.psql("DELETE FROM error_logs WHERE message LIKE 'during backup %'", db.roles.owner);
    });

    describe("a damaged backup is caught before anything is touched", () => {
        const damages: [string, (dump: string) => void][] = [
            [
                "a flipped byte in a data file",
                (dump) => {
                    const file = largestDataFile(dump);
                    const fd = fs.openSync(file, "r+");
                    const at = Math.floor(fs.statSync(file).size / 2);
                    const byte = Buffer.alloc(1);
                    fs.readSync(fd, byte, 0, 1, at);
                    fs.writeSync(fd, Buffer.from([byte[0] ^ 0x01]), 0, 1, at);
                    fs.closeSync(fd);
                },
            ],
            ["a truncated data file", (dump) => fs.truncateSync(largestDataFile(dump), Math.floor(fs.statSync(largestDataFile(dump)).size / 3))],
            ["a truncated table of contents", (dump) => fs.truncateSync(path.join(dump, "toc.dat"), 100)],
            ["a missing data file", (dump) => fs.rmSync(largestDataFile(dump))],
            ["a file that is not in the checksums", (dump) => fs.writeFileSync(path.join(dump, "9999.dat"), "\\.\n")],
            ["no checksum file", (dump) => fs.rmSync(`${dump}.sha256`)],
        ];
        for (const [what, damage] of damages) {
            it(`${what}: restore exits 1 and the target stays empty; the verification exits 1 and leaves the scratch database empty`, () => {
                const { dump } = copyOfGood();
                damage(dump);
                createEmptyDatabase(server, db, "ologywood_target");
                const restored = runScript(RESTORE_SCRIPT, [dump], ownerEnv("ologywood_target"));
                assert.strictEqual(restored.status, 1, restored.stdout);
                assert.match(
                    restored.stderr,
                    /db-restore: error: (checksum mismatch, the backup is damaged|.* missing: refusing to restore|.* not in .*\.sha256: refusing to restore|no checksum file)/,
                );
                assert.strictEqual(tablesIn("ologywood_target"), "0", "the target was not touched");
                const verified = runScript(RESTORE_SCRIPT, ["--verify", dump], ownerEnv(db.database));
                assert.strictEqual(verified.status, 1);
                assert.strictEqual(tablesIn(db.verifyDatabase), "0", "the scratch database holds nothing");
                server.psql("DROP DATABASE ologywood_target", db.admin);
            });
        }
    });

    describe("the backup's own verification: a dump that does not hold what was counted never gets a final name", () => {
        /** A pg_dump that runs the real one, then damages what it wrote (as a full disk or a killed worker would). */
        const brokenPgDump = (damage: string) => {
            const bin = scratch();
            const script = `#!/bin/bash\nset -e\n"${server.binDir}/pg_dump" "$@"\nfor a in "$@"; do case "$a" in --file=*) out="\${a#--file=}" ;; esac; done\n${damage}\n`;
            fs.writeFileSync(path.join(bin, "pg_dump"), script, { mode: 0o755 });
            return bin;
        };
        const cases: [string, string, RegExp][] = [
            ["a truncated data file", `f=$(ls -S "$out"/*.dat | head -1); truncate -s 100000 "$f"`, /rows in the database but (truncated|\d+) in the dump/],
            ["a lost row", `f=$(ls -S "$out"/*.dat | head -1); sed -i '1d' "$f"`, /rows in the database but \d+ in the dump/],
            ["a table of contents pg_restore cannot read", `truncate -s 50 "$out/toc.dat"`, /pg_restore cannot read the dump's table of contents/],
        ];
        for (const [what, damage, message] of cases) {
            it(`${what}: exit 1, a clear message, no file left`, () => {
                const dir = scratch();
                const env = backupEnv({ BACKUP_DIR: dir });
                env.PATH = `${brokenPgDump(damage)}:${env.PATH}`;
                const run = runScript(BACKUP_SCRIPT, [], env);
                assert.strictEqual(run.status, 1, run.stdout);
                assert.match(run.stderr, message);
                assert.deepStrictEqual(listDir(dir), [], "no file under a final name, no work files either");
            });
        }
    });

    const waitFor = async (what: string, check: () => boolean, seconds = 60) => {
        const until = Date.now() + seconds * 1000;
        while (!check()) {
            if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 20));
        }
    };

    describe("a backup killed with SIGKILL (an OOM kill, a deadline's grace period run out)", () => {
        const partialsIn = (dir: string) => listDir(dir).filter((f) => f.endsWith(".partial"));
        const bytesUnder = (p: string): number =>
            fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((sum, f) => sum + bytesUnder(path.join(p, f)), 0) : fs.statSync(p).size;
        const daysAgo = (p: string, days: number) => {
            const t = new Date(Date.now() - days * 86_400_000);
            fs.utimesSync(p, t, t);
        };

        it("leaves its work directory; the next backup of this database removes it, never another database's or a running backup's", async () => {
            const dir = scratch();
            // A backup still running (its pg_dump held at a gate); its work directory is made to look old below.
            const gate = path.join(scratch(), "gate");
            const bin = scratch();
            fs.writeFileSync(
                path.join(bin, "pg_dump"),
                `#!/bin/bash\ntouch "${gate}.waiting"\nwhile [ ! -e "${gate}" ]; do sleep 0.1; done\nexec "${server.binDir}/pg_dump" "$@"\n`,
                { mode: 0o755 },
            );
            const runningEnv = backupEnv({ BACKUP_DIR: dir, BACKUP_LABEL: "running" });
            runningEnv.PATH = `${bin}:${runningEnv.PATH}`;
            const running = spawn("bash", [BACKUP_SCRIPT], { env: runningEnv, stdio: ["ignore", "pipe", "pipe"] });
            let runningErr = "";
            running.stderr.on("data", (d) => {
                runningErr += d;
            });
            const runningDone = new Promise<number>((r) => running.on("exit", (code) => r(code ?? -1)));
            try {
                await waitFor("the running backup to reach pg_dump", () => fs.existsSync(`${gate}.waiting`));
                const [runningPartial] = partialsIn(dir);

                // Killed mid-dump: the whole process group, as when the container is OOM-killed.
                const killed = spawn("bash", [BACKUP_SCRIPT], { env: backupEnv({ BACKUP_DIR: dir, BACKUP_LABEL: "killed" }), detached: true, stdio: "ignore" });
                const exited = new Promise<NodeJS.Signals | null>((r) => killed.on("exit", (_code, signal) => r(signal)));
                const dataFiles = () =>
                    partialsIn(dir).flatMap((p) => {
                        const dump = path.join(dir, p, "dump");
                        return fs.existsSync(dump)
                            ? fs
                                  .readdirSync(dump)
                                  .filter((f) => f.endsWith(".dat"))
                                  .map((f) => path.join(dump, f))
                            : [];
                    });
                await waitFor("pg_dump to write data", () => dataFiles().some((f) => fs.statSync(f).size > 1_000_000));
                process.kill(-killed.pid!, "SIGKILL");
                assert.strictEqual(await exited, "SIGKILL");
                const stale = partialsIn(dir).find((p) => p !== runningPartial)!;
                assert.match(stale, /^\.ologywood_test_killed_\d{8}T\d{6}Z\.dump\.partial$/);
                assert.ok(bytesUnder(path.join(dir, stale)) > 1_000_000, "the killed run left its partial dump");

                // Another database's killed run (its name starts with ours), and one of an earlier
                // version of the script (no lock file) from three days and from one hour ago.
                const other = ".ologywood_test_old_scheduled_20260101T000000Z.dump.partial";
                fs.cpSync(path.join(dir, stale), path.join(dir, other), { recursive: true });
                fs.writeFileSync(path.join(dir, other, "counts"), "# database: ologywood_test_old\n");
                const legacyOld = ".ologywood_test_scheduled_20260102T000000Z.dump.partial";
                const legacyRecent = ".ologywood_test_scheduled_20260103T000000Z.dump.partial";
                for (const [legacy, days] of [
                    [legacyOld, 3],
                    [legacyRecent, 1 / 24],
                ] as const) {
                    fs.mkdirSync(path.join(dir, legacy));
                    fs.writeFileSync(path.join(dir, legacy, "counts"), "# database: ologywood_test\n");
                    daysAgo(path.join(dir, legacy), days);
                }
                daysAgo(path.join(dir, runningPartial), 3);

                const next = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_DIR: dir, BACKUP_LABEL: "next" }));
                assert.strictEqual(next.status, 0, next.stderr);
                assert.match(
                    next.stderr,
                    new RegExp(`removed ${stale.replace(/\./g, "\\.")}, the work directory of a backup that was killed \\(\\d+ bytes\\)`),
                );
                assert.deepStrictEqual(
                    partialsIn(dir).sort(),
                    [other, legacyRecent, runningPartial].sort(),
                    "the killed run's and the three-day-old legacy work directories are gone; another database's, a recent legacy one and the running backup's stay",
                );

                fs.writeFileSync(gate, "");
                assert.strictEqual(await runningDone, 0, runningErr);
                assert.deepStrictEqual(partialsIn(dir).sort(), [other, legacyRecent].sort(), "the running backup finished and cleaned up after itself");
                assert.ok(
                    listDir(dir).some((f) => /^ologywood_test_running_\d{8}T\d{6}Z\.dump$/.test(f)),
                    "the running backup got its final name",
                );
            } finally {
                // Whatever happens, the held backup must not outlive the test.
                fs.writeFileSync(gate, "");
            }
        });
    });

    describe("a restore stopped with SIGTERM (a deadline, an eviction, kubectl delete)", () => {
        /** Live processes whose command line holds the text (pg_restore and its workers name the dump). */
        const processesMentioning = (text: string) =>
            fs
                .readdirSync("/proc")
                .filter((p) => /^\d+$/.test(p))
                .filter((p) => {
                    try {
                        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text);
                    } catch {
                        return false; // gone meanwhile
                    }
                });
        const start = (args: string[], env: NodeJS.ProcessEnv) => {
            const child = spawn("bash", [RESTORE_SCRIPT, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
            const out = { stdout: "", stderr: "" };
            child.stdout.on("data", (d) => {
                out.stdout += d;
            });
            child.stderr.on("data", (d) => {
                out.stderr += d;
            });
            // Its output is read until the pipes close, or for 5 s: a process left behind would hold them open.
            const closed = new Promise<void>((r) => {
                child.on("close", () => r());
            });
            const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
                child.on("exit", (code, signal) => {
                    void Promise.race([closed, new Promise((t) => setTimeout(t, 5000))]).then(() => r({ code, signal }));
                }),
            );
            return { child, out, exited };
        };
        const copying = (database: string) => () =>
            server.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}' AND query LIKE 'COPY %'`) !== "0";
        const sessionsOn = (database: string) => server.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}'`);

        it("mid-restore: stops pg_restore and its workers, says the target is incomplete and to restore again with --clean, exit 143", async () => {
            const { dump } = copyOfGood();
            createEmptyDatabase(server, db, "ologywood_stopped");
            const run = start([dump], ownerEnv("ologywood_stopped"));
            try {
                await waitFor("pg_restore to load data", copying("ologywood_stopped"));
                assert.ok(
                    processesMentioning(dump).filter((p) => fs.readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("pg_restore")).length >= 2,
                    "pg_restore runs with its workers",
                );
            } finally {
                run.child.kill("SIGTERM");
            }
            assert.deepStrictEqual(await run.exited, { code: 143, signal: null }, run.out.stderr);
            assert.deepStrictEqual(processesMentioning(dump), [], "no pg_restore (or any other process of the restore) is left");
            assert.match(
                run.out.stderr,
                /db-restore: error: stopped by SIGTERM while pg_restore was restoring into 'ologywood_stopped': 'ologywood_stopped' is INCOMPLETE/,
            );
            assert.ok(run.out.stderr.includes(`Restore again, replacing what is there: db-restore.sh --clean ${dump}`), run.out.stderr);
            assert.strictEqual(run.out.stdout, "", "no JSON line: nothing was restored and checked");
            await waitFor("the restore's sessions to end on the server", () => sessionsOn("ologywood_stopped") === "0", 15);
            server.psql("DROP DATABASE ologywood_stopped", db.admin);
        });

        it("mid-verification: stops pg_restore, empties the scratch database, exit 143", async () => {
            const { dump } = copyOfGood();
            const run = start(["--verify", dump], ownerEnv(db.database));
            try {
                await waitFor("pg_restore to load data", copying(db.verifyDatabase));
            } finally {
                run.child.kill("SIGTERM");
            }
            assert.deepStrictEqual(await run.exited, { code: 143, signal: null }, run.out.stderr);
            assert.deepStrictEqual(processesMentioning(dump), []);
            assert.match(
                run.out.stderr,
                /stopped by SIGTERM while pg_restore was restoring into the scratch database 'ologywood_test_verify': the verification did not finish/,
            );
            assert.strictEqual(tablesIn(db.verifyDatabase), "0", "the scratch database is emptied");
        });

        it("while checking the files: stops the checksum processes, says nothing was touched, exit 143", async () => {
            const { dump } = copyOfGood();
            // A checksum that takes long (a slow volume): it runs until it is stopped.
            const bin = scratch();
            for (const tool of ["openssl", "sha256sum"]) fs.writeFileSync(path.join(bin, tool), "#!/bin/bash\nwhile :; do sleep 0.05; done\n", { mode: 0o755 });
            const env = ownerEnv(db.database);
            env.PATH = `${bin}:${env.PATH}`;
            const run = start(["--verify", dump], env);
            try {
                await waitFor("the checksums to start", () => processesMentioning(bin).length >= 2);
            } finally {
                run.child.kill("SIGTERM");
            }
            assert.deepStrictEqual(await run.exited, { code: 143, signal: null }, run.out.stderr);
            assert.deepStrictEqual([...processesMentioning(bin), ...processesMentioning(dump)], [], "no checksum process is left");
            assert.match(run.out.stderr, /stopped by SIGTERM before touching any database: nothing was changed/);
        });
    });

    describe("cannot connect: a clear error, exit 1, no file left", () => {
        // Accepts TCP connections and never says a word, like a firewall that swallows packets.
        let silent: net.Server;
        let silentPort = 0;
        const held: net.Socket[] = [];
        before(async () => {
            silent = net.createServer((socket) => {
                held.push(socket);
            });
            await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
            silentPort = (silent.address() as net.AddressInfo).port;
        });
        after(
            () =>
                new Promise<void>((r) => {
                    held.forEach((s) => s.destroy());
                    silent.close(() => r());
                }),
        );

        const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
            [
                "wrong password",
                async () => ({ PGPASSWORD: "not-the-password" }),
                /cannot connect to database 'ologywood_test' .*password authentication failed for user "ologywood_test_backup"/,
            ],
            [
                "nothing listening on the port",
                async () => ({ PGPORT: String(await freePort()) }),
                /cannot connect to database 'ologywood_test' on 127\.0\.0\.1:\d+ .*Connection refused/,
            ],
            [
                "a host that never answers (connect timeout)",
                async () => ({ PGPORT: String(silentPort), PGCONNECT_TIMEOUT: "2" }),
                /cannot connect to database 'ologywood_test' on 127\.0\.0\.1:\d+ .*timeout expired/,
            ],
            [
                "a host name that does not resolve",
                async () => ({ PGHOST: "ologywood-db.invalid" }),
                /cannot connect to database 'ologywood_test' on ologywood-db\.invalid:\d+ .*could not translate host name/,
            ],
        ];
        for (const [what, env, message] of cases) {
            it(`${what}: backup and restore both stop before writing`, async () => {
                const dir = scratch();
                const extra = await env();
                const backup = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_DIR: dir, ...extra }));
                assert.strictEqual(backup.status, 1);
                assert.match(backup.stderr, message);
                assert.deepStrictEqual(listDir(dir), []);
                const restore = runScript(RESTORE_SCRIPT, ["--verify", good.json.file], ownerEnv(db.database, extra));
                assert.strictEqual(restore.status, 1);
                assert.match(restore.stderr, /db-restore: error: cannot connect to database/);
            });
        }
    });

    /**
     * A copy of the good backup set under another name (and, optionally, of another database),
     * its checksum file rewritten to match, as db-backup.sh would have written it.
     */
    const copySet = (dir: string, as: string, options: { database?: string; withoutChecksums?: boolean } = {}) => {
        const name = path.basename(good.json.file);
        fs.cpSync(path.join(backupDir, name), path.join(dir, as), { recursive: true });
        const counts = fs
            .readFileSync(path.join(backupDir, `${name}.counts`), "utf8")
            .replace("# database: ologywood_test", `# database: ${options.database ?? "ologywood_test"}`);
        fs.writeFileSync(path.join(dir, `${as}.counts`), counts);
        if (options.withoutChecksums) return;
        const countsSum = createHash("sha256").update(counts).digest("hex");
        const sums = fs
            .readFileSync(path.join(backupDir, `${name}.sha256`), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => (line.endsWith(".counts") ? `${countsSum}  ${as}.counts` : line.replace(name, as)));
        fs.writeFileSync(path.join(dir, `${as}.sha256`), sums.join("\n") + "\n");
    };
    const stampDaysAgo = (n: number) =>
        new Date(Date.now() - n * 86_400_000)
            .toISOString()
            .replace(/[-:]/g, "")
            .replace(/\.\d+Z$/, "Z");

    it("retention removes only this database's expired backups", () => {
        const dir = scratch();
        const expired = `ologywood_test_scheduled_${stampDaysAgo(10)}.dump`;
        const expiredPreDeploy = `ologywood_test_pre_deployment_${stampDaysAgo(8)}.dump`;
        const recent = `ologywood_test_scheduled_${stampDaysAgo(2)}.dump`;
        // Another database whose name starts with ours: its file names match our prefix.
        const otherPrefixed = `ologywood_test_old_scheduled_${stampDaysAgo(30)}.dump`;
        const otherDatabase = `ologywood_prod_scheduled_${stampDaysAgo(30)}.dump`;
        copySet(dir, expired);
        copySet(dir, expiredPreDeploy);
        copySet(dir, recent);
        copySet(dir, otherPrefixed, { database: "ologywood_test_old" });
        copySet(dir, otherDatabase, { database: "ologywood_prod" });
        fs.writeFileSync(path.join(dir, `ologywood_test_notes_${stampDaysAgo(40)}.txt`), "not a backup");
        const before = listDir(dir);

        const run = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_DIR: dir, BACKUP_RETENTION_DAYS: "7" }));
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.json.removed, 2);
        const set = (n: string) => [n, `${n}.counts`, `${n}.sha256`];
        const kept = before.filter((f) => !set(expired).includes(f) && !set(expiredPreDeploy).includes(f));
        assert.deepStrictEqual(listDir(dir), [...kept, ...set(path.basename(run.json.file))].sort());
    });

    it("--latest picks the newest complete backup of this database", () => {
        const dir = scratch();
        copySet(dir, "ologywood_test_scheduled_20260101T000000Z.dump");
        copySet(dir, "ologywood_test_pre_deployment_20260102T000000Z.dump");
        copySet(dir, "ologywood_test_scheduled_20260103T000000Z.dump", { withoutChecksums: true }); // incomplete
        copySet(dir, "ologywood_test_old_scheduled_20260104T000000Z.dump", { database: "ologywood_test_old" });
        const verified = runScript(RESTORE_SCRIPT, ["--verify", "--latest", dir], ownerEnv(db.database));
        assert.strictEqual(verified.status, 0, verified.stderr);
        assert.strictEqual(verified.json.file, path.join(dir, "ologywood_test_pre_deployment_20260102T000000Z.dump"));
        const none = runScript(RESTORE_SCRIPT, ["--verify", "--latest", scratch()], ownerEnv(db.database));
        assert.strictEqual(none.status, 1);
        assert.match(none.stderr, /no complete backup of 'ologywood_test' in/);
    });

    it("a retention far beyond the schema's 3650 days is refused before anything is written, and no backup is deleted", () => {
        // 213503982334601 days * 86400 s wraps bash's 64-bit arithmetic: the cutoff lands in the
        // future and every earlier backup would count as expired.
        const dir = scratch();
        const earlier = `ologywood_test_scheduled_${stampDaysAgo(1)}.dump`;
        copySet(dir, earlier);
        const before = listDir(dir);
        for (const days of ["213503982334601", "213503982334602", "99999999999999999999"]) {
            const run = runScript(BACKUP_SCRIPT, [], backupEnv({ BACKUP_DIR: dir, BACKUP_RETENTION_DAYS: days }));
            assert.strictEqual(run.status, 2, `${days}: ${run.stderr}`);
            assert.match(run.stderr, new RegExp(`BACKUP_RETENTION_DAYS must be a whole number from 1 to 3650, got '${days}'`));
            assert.deepStrictEqual(listDir(dir), before, `${days}: no backup written, none deleted`);
        }
    });

    it("every number the scripts take is bounded as the config schema bounds it, checked before anything is written", async () => {
        const shape = backupSchema.shape;
        const bounded: [string, string, { safeParse(v: unknown): { success: boolean } }, number, number][] = [
            [BACKUP_SCRIPT, "BACKUP_RETENTION_DAYS", shape.retentionDays, 1, 3650],
            [BACKUP_SCRIPT, "BACKUP_JOBS", shape.parallelJobs, 1, 16],
            [BACKUP_SCRIPT, "BACKUP_COMPRESSION", shape.compression, 0, 9],
            [RESTORE_SCRIPT, "RESTORE_JOBS", shape.parallelJobs, 1, 16],
        ];
        const unreachable = { PGPORT: String(await freePort()) };
        for (const [script, name, schema, min, max] of bounded) {
            const what = `${path.basename(script)} ${name}`;
            assert.ok(schema.safeParse(min).success && schema.safeParse(max).success, `${what}: the schema allows ${min} to ${max}`);
            assert.ok(!schema.safeParse(min - 1).success && !schema.safeParse(max + 1).success, `${what}: the schema allows nothing outside ${min} to ${max}`);
            for (const bad of [String(min - 1), String(max + 1), "1e3", "07", "-1", "9".repeat(25)]) {
                const dir = scratch();
                const run = runScript(script, ["/etc"], backupEnv({ BACKUP_DIR: dir, [name]: bad }));
                assert.strictEqual(run.status, 2, `${what}=${bad}: ${run.stderr}`);
                assert.ok(run.stderr.includes(`${name} must be a whole number from ${min} to ${max}, got '${bad}'`), `${what}=${bad}: ${run.stderr}`);
                assert.deepStrictEqual(listDir(dir), [], `${what}=${bad}: nothing written`);
            }
            // The bounds themselves pass the check: the run goes on to its next step (and fails there).
            for (const good of [min, max]) {
                const run = runScript(script, ["/etc"], backupEnv({ BACKUP_DIR: scratch(), [name]: String(good), ...unreachable }));
                assert.doesNotMatch(run.stderr, new RegExp(`${name} must be`), `${what}=${good} is allowed`);
                assert.match(run.stderr, script === BACKUP_SCRIPT ? /cannot connect to database/ : /'\/etc' is not a backup made by db-backup\.sh/);
            }
        }
        for (const bad of ["512kB", "2147483648kB", "2048GB", "3TB", "99999999999GB", "256 MB"]) {
            const run = runScript(RESTORE_SCRIPT, ["/etc"], backupEnv({ RESTORE_MAINTENANCE_WORK_MEM: bad }));
            assert.strictEqual(run.status, 2, `RESTORE_MAINTENANCE_WORK_MEM=${bad}: ${run.stderr}`);
            assert.ok(
                run.stderr.includes(
                    `RESTORE_MAINTENANCE_WORK_MEM must be a size from 1MB to 2147483647kB (PostgreSQL's range for maintenance_work_mem), such as 256MB, got '${bad}'`,
                ),
                run.stderr,
            );
        }
        for (const good of ["1MB", "1024kB", "2047GB", "2147483647kB"]) {
            const run = runScript(RESTORE_SCRIPT, ["/etc"], backupEnv({ RESTORE_MAINTENANCE_WORK_MEM: good }));
            assert.match(run.stderr, /is not a backup made by db-backup\.sh/, `RESTORE_MAINTENANCE_WORK_MEM=${good} is allowed`);
        }
    });

    it("bad input exits 2 and names what is expected", () => {
        const cases: [string, string[], Record<string, string>, RegExp][] = [
            [BACKUP_SCRIPT, [], { BACKUP_DIR: "" }, /BACKUP_DIR is required/],
            [BACKUP_SCRIPT, [], { BACKUP_DIR: "/nonexistent/dir" }, /BACKUP_DIR '\/nonexistent\/dir' is not a writable directory/],
            [BACKUP_SCRIPT, [], { BACKUP_LABEL: "Pre Deploy" }, /BACKUP_LABEL must be lowercase letters, digits, '_' or '-'/],
            [BACKUP_SCRIPT, [], { BACKUP_RETENTION_DAYS: "a week" }, /BACKUP_RETENTION_DAYS must be a whole number from 1 to 3650, got 'a week'/],
            [RESTORE_SCRIPT, [], {}, /which backup\? usage: db-restore.sh/],
            [RESTORE_SCRIPT, ["--frobnicate", "x"], {}, /unknown option '--frobnicate'/],
            [RESTORE_SCRIPT, ["--clean", "--verify", "x"], {}, /--clean and --verify do not go together/],
            [RESTORE_SCRIPT, ["/etc"], {}, /'\/etc' is not a backup made by db-backup.sh/],
        ];
        for (const [script, args, env, message] of cases) {
            const run = runScript(script, args, backupEnv(env));
            assert.strictEqual(run.status, 2, `${path.basename(script)} ${args.join(" ")}: ${run.stderr}`);
            assert.match(run.stderr, message);
        }
    });
});
