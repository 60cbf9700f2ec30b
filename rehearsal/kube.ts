/**
 * A very small client of the Kubernetes API for the rehearsal's own helpers (the stand-in
 * controllers and the stand-in app that follows the cluster): GET, PATCH and POST with the
 * kubeconfig's client certificate. The independent checks use kubectl instead; this is for the
 * loops that ask every second, where starting a kubectl each time would cost a core.
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { parse } from "yaml";

export interface KubeAccess {
    server: string;
    ca: Buffer;
    cert: Buffer;
    key: Buffer;
}

/** The current context's server and credentials; file paths are relative to the kubeconfig's folder. */
export function readKubeconfig(file: string): KubeAccess {
    const config = parse(fs.readFileSync(file, "utf8"));
    const context = (config.contexts ?? []).find((c: { name: string }) => c.name === config["current-context"])?.context;
    const cluster = (config.clusters ?? []).find((c: { name: string }) => c.name === context?.cluster)?.cluster;
    const user = (config.users ?? []).find((u: { name: string }) => u.name === context?.user)?.user;
    if (!cluster?.server || !user) throw new Error(`${file}: no current context with a cluster and a user`);
    const read = (inline: string | undefined, file_: string | undefined, what: string): Buffer => {
        if (inline) return Buffer.from(inline, "base64");
        if (file_) return fs.readFileSync(path.resolve(path.dirname(file), file_));
        throw new Error(`${file}: the current context has no ${what}`);
    };
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: read(cluster["certificate-authority-data"], cluster["certificate-authority"], "certificate authority"),
        cert: read(user["client-certificate-data"], user["client-certificate"], "client certificate"),
        key: read(user["client-key-data"], user["client-key"], "client key"),
    };
}

export class KubeError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "KubeError";
    }
}

export class KubeClient {
    private readonly agent: https.Agent;

    constructor(private readonly access: KubeAccess) {
        this.agent = new https.Agent({ ca: access.ca, cert: access.cert, key: access.key, keepAlive: true, maxSockets: 4 });
    }

    static fromKubeconfig(file: string): KubeClient {
        return new KubeClient(readKubeconfig(file));
    }

    /** The object at `apiPath`, or undefined when it does not exist (404). */
    async get<T = any>(apiPath: string): Promise<T | undefined> {
        try {
            return await this.request<T>("GET", apiPath);
        } catch (e) {
            if (e instanceof KubeError && e.status === 404) return undefined;
            throw e;
        }
    }

    async list<T = any>(apiPath: string): Promise<T[]> {
        return (await this.request<{ items?: T[] }>("GET", apiPath)).items ?? [];
    }

    patch<T = any>(apiPath: string, body: unknown, contentType = "application/merge-patch+json"): Promise<T> {
        return this.request<T>("PATCH", apiPath, body, contentType);
    }

    post<T = any>(apiPath: string, body: unknown): Promise<T> {
        return this.request<T>("POST", apiPath, body, "application/json");
    }

    close(): void {
        this.agent.destroy();
    }

    private request<T>(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<T> {
        const url = new URL(`${this.access.server}${apiPath}`);
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise<T>((resolve, reject) => {
            const req = https.request(
                url,
                {
                    method,
                    agent: this.agent,
                    timeout: 10_000,
                    headers: { Accept: "application/json", ...(payload ? { "Content-Type": contentType!, "Content-Length": Buffer.byteLength(payload) } : {}) },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        if ((res.statusCode ?? 0) >= 300) {
                            let message = text;
                            try {
                                message = JSON.parse(text).message ?? text;
                            } catch {
                                // not JSON: keep the text
                            }
                            reject(new KubeError(res.statusCode ?? 0, `${method} ${apiPath}: ${res.statusCode} ${message}`));
                            return;
                        }
                        try {
                            resolve(JSON.parse(text) as T);
                        } catch (e) {
                            reject(new Error(`${method} ${apiPath}: not JSON: ${(e as Error).message}`));
                        }
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: no answer within 10 s`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }
}
