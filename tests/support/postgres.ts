/**
 * A real, throwaway PostgreSQL server for tests and benchmarks: Debian's server binaries, a data
 * directory under a temp dir, listening on 127.0.0.1 and a private unix socket only, on a free
 * port, with password (scram) authentication so that a wrong password really fails.
 * PostgreSQL refuses to run as root, so as root (CI) it runs as the `postgres` user.
 */
import { freePort } from "./ports";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const SUPERUSER = "postgres";

export interface Login {
    user: string;
    password: string;
    database?: string;
}

export interface PgServer {
    host: string;
    port: number;
    /** The server's own folder (data directory, socket, log); stopServerIn(dir) stops it from another process. */
    dir: string;
    /** Directory of pg_dump, psql, ... of the same major version as the server. */
    binDir: string;
    /** The superuser's login. */
    superuser: Login;
    /** libpq environment for a login (PGHOST ... PGDATABASE), PATH with binDir first. */
    env(login?: Login, extra?: Record<string, string>): NodeJS.ProcessEnv;
    /** Runs SQL through psql; returns the unaligned, tuples-only output. Throws with psql's message. */
    psql(sql: string, login?: Login): string;
    /** Like psql, but returns the result instead of throwing. */
    tryPsql(sql: string, login?: Login): SpawnSyncReturns<string>;
    stop(): void;
    /** Leaves the server running when this process exits (stop it later with stopServerIn(dir)). */
    detach(): void;
}

/** The newest installed major version's server binaries. */
export function findPostgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root)
        ? fs
              .readdirSync(root)
              .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
              .sort((a, b) => Number(b) - Number(a))
        : [];
    if (versions.length === 0) {
        throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql: install them with `apt-get install postgresql`");
    }
    return path.join(root, versions[0], "bin");
}

export { freePort };

function run(command: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
    return spawnSync(command[0], command.slice(1), { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
    if (result.error) throw new Error(`${what}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${result.stderr || result.stdout}`);
    return result.stdout;
}

/** As root, the server runs as the `postgres` user (created by the Debian package). */
function serverUser(): { prefix: string[]; uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const uid = run(["id", "-u", "postgres"]);
    const gid = run(["id", "-g", "postgres"]);
    if (uid.status !== 0) throw new Error("running as root but there is no `postgres` user to run the server as: `apt-get install postgresql` creates it");
    return { prefix: ["runuser", "-u", "postgres", "--"], uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const running = new Set<PgServer>();
process.on("exit", () => running.forEach((s) => s.stop()));

export interface StartOptions {
    /** Extra server settings (`-c name=value`). */
    settings?: Record<string, string>;
    /** Where the server's folder is made. @default os.tmpdir() */
    parentDir?: string;
}

/** Stops the server whose folder startPostgres made (also from another process) and removes the folder. */
export function stopServerIn(dir: string): void {
    const prefix = serverUser()?.prefix ?? [];
    const data = path.join(dir, "data");
    if (fs.existsSync(path.join(data, "postmaster.pid"))) run([...prefix, path.join(findPostgresBinDir(), "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]);
    fs.rmSync(dir, { recursive: true, force: true });
}

export async function startPostgres(options: StartOptions = {}): Promise<PgServer> {
    const binDir = findPostgresBinDir();
    const asUser = serverUser();
    const dir = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), "ologywood-pg-"));
    const password = `Super-${Math.random().toString(36).slice(2)}`;
    const pwfile = path.join(dir, "pwfile");
    fs.writeFileSync(pwfile, password + "\n", { mode: 0o600 });
    if (asUser) {
        fs.chownSync(dir, asUser.uid, asUser.gid);
        fs.chownSync(pwfile, asUser.uid, asUser.gid);
        // A folder above it closed to others (mkdtemp makes them 0700) stops the server user at the door.
        if (run([...asUser.prefix, "test", "-r", pwfile]).status !== 0) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw new Error(
                `PostgreSQL runs as the \`postgres\` user here (as root) and cannot reach ${dir}: a folder above it is closed to other users ` +
                    "(mkdtemp and `mktemp -d` make them 0700). Put it under a folder others may traverse, or `chmod o+x` the folders above it.",
            );
        }
    }
    const data = path.join(dir, "data");
    const prefix = asUser?.prefix ?? [];
    check(
        run([
            ...prefix,
            path.join(binDir, "initdb"),
            "-D",
            data,
            "-U",
            SUPERUSER,
            `--pwfile=${pwfile}`,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        ]),
        "initdb",
    );
    fs.rmSync(pwfile);

    const port = await freePort();
    const settings: Record<string, string> = {
        listen_addresses: "127.0.0.1",
        unix_socket_directories: dir,
        fsync: "on",
        ...options.settings,
    };
    const serverOptions = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(" ");
    check(
        run([...prefix, path.join(binDir, "pg_ctl"), "-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", serverOptions, "start"]),
        "pg_ctl start",
    );

    const superuser: Login = { user: SUPERUSER, password, database: "postgres" };
    let stopped = false;
    const server: PgServer = {
        host: "127.0.0.1",
        port,
        dir,
        binDir,
        superuser,
        env(login = superuser, extra = {}) {
            return {
                PATH: `${binDir}:${process.env.PATH}`,
                HOME: process.env.HOME,
                LANG: "C.UTF-8",
                PGHOST: "127.0.0.1",
                PGPORT: String(port),
                PGUSER: login.user,
                PGPASSWORD: login.password,
                PGDATABASE: login.database ?? "postgres",
                PGCONNECT_TIMEOUT: "5",
                ...extra,
            };
        },
        tryPsql(sql, login = superuser) {
            return run([path.join(binDir, "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], { env: server.env(login), input: sql });
        },
        psql(sql, login = superuser) {
            return check(server.tryPsql(sql, login), `psql as ${login.user} on ${login.database ?? "postgres"}`).trim();
        },
        stop() {
            if (stopped) return;
            stopped = true;
            running.delete(server);
            stopServerIn(dir);
        },
        detach() {
            running.delete(server);
        },
    };
    running.add(server);
    return server;
}
