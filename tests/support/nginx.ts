/**
 * Runs the real nginx binary on loopback for a test: the config file from the repo, laid out in a
 * scratch directory the way the pod mounts it, unprivileged even when the tests run as root (CI).
 */
import { freePort } from "./ports";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** An unprivileged uid/gid, the one our pods run as (components/shared/pod.ts). */
const TEST_UID = 10001;

export function findNginx(): string {
    for (const candidate of ["/usr/sbin/nginx", "/usr/bin/nginx"]) {
        if (fs.existsSync(candidate)) return candidate;
    }
    throw new Error("nginx not found (looked in /usr/sbin and /usr/bin): install Debian's nginx-light (apt-get install nginx-light)");
}

export { freePort };

/**
 * Rebinds the single `listen` directive (a line of its own, not a comment) to `address`.
 * Throws unless there is exactly one, so the test cannot silently serve something else.
 */
export function rebindListen(conf: string, address: string): { conf: string; original: string } {
    const directive = /^([ \t]*)listen[ \t]+([^;#\n]+);/gm;
    const found = [...conf.matchAll(directive)];
    if (found.length !== 1) {
        throw new Error(`expected exactly one listen directive in the nginx config, found ${found.length}`);
    }
    return { conf: conf.replace(directive, `$1listen ${address};`), original: found[0][2].trim() };
}

export interface NginxSite {
    /** Scratch root standing in for the pod's "/": etc/<confDir>/ holds the files, tmp/ is writable. */
    root: string;
    /** The command-line arguments, the same as the pod's except for the prefix. */
    args: string[];
    /** What nginx wrote to stdout and stderr so far. */
    log(): string;
}

/**
 * Copies `files` (name -> content) into <root>/etc/<confDir>/ and creates <root>/tmp, owned by the
 * unprivileged user when we are root. The log file is nginx's stdout and stderr: a file the
 * unprivileged user owns, so `access_log /dev/stdout` can reopen it (a pipe made by root could not be).
 */
export function prepareSite(confDir: string, files: Record<string, string>, confName: string): NginxSite {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-nginx-"));
    const dir = path.join(root, "etc", confDir);
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(root, "tmp"));
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    const logFile = path.join(root, "nginx.log");
    fs.writeFileSync(logFile, "");
    if (isRoot()) chownTree(root, TEST_UID);
    return {
        root,
        args: ["-p", `${root}/`, "-e", "stderr", "-c", `etc/${confDir}/${confName}`],
        log: () => fs.readFileSync(logFile, "utf8"),
    };
}

function isRoot(): boolean {
    return typeof process.getuid === "function" && process.getuid() === 0;
}

function chownTree(p: string, uid: number): void {
    fs.chownSync(p, uid, uid);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), uid);
}

/** spawn options that drop root (nginx ignores `user` unless root, and must not run as root here). */
function identity(): { uid?: number; gid?: number } {
    return isRoot() ? { uid: TEST_UID, gid: TEST_UID } : {};
}

function logFd(site: NginxSite): number {
    return fs.openSync(path.join(site.root, "nginx.log"), "a");
}

/** `nginx -t` with the site's arguments; throws with nginx's output unless the config is valid. */
export function testConfig(nginx: string, site: NginxSite): string {
    const fd = logFd(site);
    try {
        const r = spawnSync(nginx, ["-t", ...site.args], { cwd: site.root, stdio: ["ignore", fd, fd], ...identity(), timeout: 15000 });
        const out = site.log();
        if (r.error) throw r.error;
        if (r.status !== 0) throw new Error(`nginx -t failed (exit ${r.status}):\n${out}`);
        return out;
    } finally {
        fs.closeSync(fd);
    }
}

export interface RunningNginx {
    stop(): Promise<void>;
}

/** Starts nginx in the foreground (the config says `daemon off`) and waits until `readyUrl` answers. */
export async function startNginx(nginx: string, site: NginxSite, readyUrl: string): Promise<RunningNginx> {
    const fd = logFd(site);
    let child: ChildProcess;
    try {
        child = spawn(nginx, site.args, { cwd: site.root, stdio: ["ignore", fd, fd], ...identity() });
    } finally {
        fs.closeSync(fd);
    }
    let exited: string | undefined;
    const done = new Promise<void>((resolve) =>
        child.once("exit", (code, signal) => {
            exited = `exit code ${code}, signal ${signal}`;
            resolve();
        }),
    );
    const running: RunningNginx = {
        async stop() {
            if (exited) return;
            child.kill("SIGTERM"); // fast shutdown: the master stops its worker and exits
            const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            await done;
            clearTimeout(timer);
        },
    };
    const deadline = Date.now() + 10000;
    for (;;) {
        if (exited) throw new Error(`nginx stopped before answering (${exited}):\n${site.log()}`);
        try {
            const r = await fetch(readyUrl);
            await r.arrayBuffer();
            return running;
        } catch {
            if (Date.now() > deadline) {
                await running.stop();
                throw new Error(`nginx did not answer ${readyUrl} within 10 s:\n${site.log()}`);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
    }
}
