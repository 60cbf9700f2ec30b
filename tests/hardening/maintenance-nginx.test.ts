/**
 * The maintenance page, served by the real nginx with THE file the program puts into the
 * ConfigMap (components/maintenance/nginx.conf); the only change is the listen address.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { findNginx, freePort, NginxSite, prepareSite, rebindListen, RunningNginx, startNginx, testConfig } from "../support/nginx";

const DIR = path.join(__dirname, "..", "..", "components", "maintenance");
const FILES = ["nginx.conf", "maintenance.html", "maintenance.json"];
/** The mount path the header comment of nginx.conf documents (/etc/ologywood-maintenance). */
const MOUNT = "ologywood-maintenance";
const HEALTH_PATH = "/healthz";

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    raw: string[];
    body: string;
}

function request(port: number, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, headers, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks).toString("utf8") }),
            );
        });
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 5 s`)));
        req.end(body);
    });
}

/** How often a header appears (nginx would happily send two Cache-Control headers). */
function count(reply: Reply, name: string): number {
    return reply.raw.filter((_, i) => i % 2 === 0 && reply.raw[i].toLowerCase() === name).length;
}

function assertMaintenanceHeaders(reply: Reply, what: string): void {
    assert.equal(reply.status, 503, `${what}: status`);
    const retryAfter = String(reply.headers["retry-after"]);
    assert.match(retryAfter, /^[1-9]\d*$/, `${what}: Retry-After must be whole seconds`);
    assert.ok(Number(retryAfter) >= 60 && Number(retryAfter) <= 3600, `${what}: Retry-After ${retryAfter}s should be minutes, not seconds or hours`);
    assert.equal(reply.headers["cache-control"], "no-store", `${what}: Cache-Control`);
    assert.equal(reply.headers["x-content-type-options"], "nosniff", `${what}: X-Content-Type-Options`);
    assert.equal(reply.headers["x-frame-options"], "DENY", `${what}: X-Frame-Options`);
    assert.equal(reply.headers["referrer-policy"], "no-referrer", `${what}: Referrer-Policy`);
    assert.match(String(reply.headers["content-security-policy"]), /default-src 'none'/, `${what}: Content-Security-Policy`);
    for (const name of ["retry-after", "cache-control", "content-type"]) {
        assert.equal(count(reply, name), 1, `${what}: exactly one ${name} header`);
    }
    assert.doesNotMatch(String(reply.headers.server ?? ""), /\d/, `${what}: the Server header must not reveal the version`);
}

function assertHtmlPage(reply: Reply, what: string): void {
    assertMaintenanceHeaders(reply, what);
    assert.equal(reply.headers["content-type"], "text/html; charset=utf-8", `${what}: Content-Type`);
    assert.equal(reply.body, fs.readFileSync(path.join(DIR, "maintenance.html"), "utf8"), `${what}: the body is maintenance.html`);
}

function assertJsonError(reply: Reply, what: string): void {
    assertMaintenanceHeaders(reply, what);
    assert.equal(reply.headers["content-type"], "application/json", `${what}: Content-Type`);
    const json = JSON.parse(reply.body);
    assert.equal(json.error.code, "SERVICE_UNAVAILABLE", `${what}: error.code`);
    assert.equal(json.error.httpStatus, 503, `${what}: error.httpStatus`);
    assert.match(json.error.message, /maintenance/, `${what}: error.message`);
}

describe("maintenance page (real nginx, components/maintenance/nginx.conf)", function () {
    let site: NginxSite | undefined;
    let server: RunningNginx | undefined;
    let port = 0;

    before(async function () {
        const nginx = findNginx();
        port = await freePort();
        const files = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]));
        const rebound = rebindListen(files["nginx.conf"], `127.0.0.1:${port}`);
        assert.equal(rebound.original, "8080", "the pod's nginx must listen on 8080 (the Service's targetPort)");
        files["nginx.conf"] = rebound.conf;
        site = prepareSite(MOUNT, files, "nginx.conf");
        const checked = testConfig(nginx, site);
        assert.match(checked, /test is successful/);
        server = await startNginx(nginx, site, `http://127.0.0.1:${port}${HEALTH_PATH}`);
    });

    after(async function () {
        await server?.stop();
        if (site) fs.rmSync(site.root, { recursive: true, force: true });
    });

    it("documents the mount path and the command line it is tested with", function () {
        const conf = fs.readFileSync(path.join(DIR, "nginx.conf"), "utf8");
        assert.ok(conf.includes(`/etc/${MOUNT}`), "the header comment names the ConfigMap mount path");
        assert.ok(conf.includes(site!.args.slice(2).join(" ")), `the header comment shows the command: nginx -p / ${site!.args.slice(2).join(" ")}`);
    });

    it("serves the HTML page with 503 on /", async function () {
        assertHtmlPage(await request(port, "GET", "/"), "GET /");
    });

    it("serves the HTML page with 503 on any other path, the app's /health included", async function () {
        for (const p of ["/bookings/123", "/health", "/maintenance.html", "/maintenance.json", "/apiary", "/favicon.ico"]) {
            assertHtmlPage(await request(port, "GET", p), `GET ${p}`);
        }
    });

    it("answers every method with 503, not 405", async function () {
        for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
            assertHtmlPage(
                await request(port, method, "/bookings/123", "x=1", { "content-type": "application/x-www-form-urlencoded" }),
                `${method} /bookings/123`,
            );
        }
    });

    it("answers HEAD with the same headers and no body", async function () {
        const reply = await request(port, "HEAD", "/");
        assertMaintenanceHeaders(reply, "HEAD /");
        assert.equal(reply.headers["content-type"], "text/html; charset=utf-8");
        assert.equal(reply.body, "");
    });

    it("answers a tRPC mutation under /api with a JSON 503", async function () {
        const body = JSON.stringify({ json: { customerEmail: "a@example.com", date: "2026-12-01" } });
        assertJsonError(await request(port, "POST", "/api/trpc/booking.create", body, { "content-type": "application/json" }), "POST /api/trpc/booking.create");
    });

    it("answers every /api path and method with JSON", async function () {
        for (const [method, p] of [
            ["GET", "/api/trpc/booking.getById?input=%7B%22id%22%3A1%7D"],
            ["GET", "/api"],
            ["DELETE", "/api/x"],
        ]) {
            assertJsonError(await request(port, method, p), `${method} ${p}`);
        }
    });

    it(`answers the probes on GET ${HEALTH_PATH} with 200`, async function () {
        const reply = await request(port, "GET", HEALTH_PATH);
        assert.equal(reply.status, 200);
        assert.equal(reply.body, "ok\n");
        assert.equal(reply.headers["cache-control"], "no-store");
    });

    it("logs requests to stdout and nothing alarming to stderr", async function () {
        await request(port, "GET", "/bookings/logged");
        // access_log is buffered per request by nginx but written at once without `buffer=`.
        assert.match(site!.log(), /"GET \/bookings\/logged HTTP\/1\.1" 503 /);
        assert.doesNotMatch(site!.log(), /\[(emerg|alert|crit|error)\]/);
    });
});
