/**
 * Reaching an HTTP service inside the cluster from where the pipeline runs (a CI runner): the
 * stack config names Prometheus by its in-cluster address (http://<service>.<namespace>:9090),
 * and staging's Mailpit has no Ingress at all. When such a name does not resolve here, the
 * pipeline opens a `kubectl port-forward` to the Service (RBAC: pods/portforward in that
 * namespace) and uses the local port kubectl picked. Addresses that resolve are used directly.
 */
import { ChildProcess, spawn } from "child_process";
import { lookup } from "dns/promises";
import { isIP } from "net";

export interface ClusterUrl {
    /** The URL to use from here. */
    url: string;
    via: "direct" | "port-forward";
    close(): void;
}

export type ClusterAccess = (url: string) => Promise<ClusterUrl>;

/** `<service>.<namespace>`, optionally followed by `.svc` or `.svc.cluster.local`. */
const SERVICE_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?$/;

export function openClusterUrl(options: { kubectl?: string; timeoutMs?: number } = {}): ClusterAccess {
    return async (url) => {
        const parsed = new URL(url);
        const host = parsed.hostname;
        const direct: ClusterUrl = { url, via: "direct", close: () => undefined };
        if (isIP(host) || host === "localhost") return direct;
        const service = SERVICE_HOST.exec(host);
        if (!service) return direct;
        try {
            await lookup(host);
            return direct;
        } catch {
            // Not resolvable from here: go through the API server.
        }
        const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
        const { child, localPort } = await portForward(
            options.kubectl ?? process.env.KUBECTL ?? "kubectl",
            service[3],
            service[1],
            port,
            options.timeoutMs ?? 20_000,
        );
        const local = new URL(url);
        local.hostname = "127.0.0.1";
        local.port = String(localPort);
        return { url: local.toString().replace(/\/$/, ""), via: "port-forward", close: () => child.kill() };
    };
}

/** `kubectl port-forward service/<svc> :<port>`: kubectl chooses a free local port and prints it. */
function portForward(
    kubectl: string,
    namespace: string,
    serviceName: string,
    port: string,
    timeoutMs: number,
): Promise<{ child: ChildProcess; localPort: number }> {
    return new Promise((resolve, reject) => {
        const args = ["--namespace", namespace, "port-forward", `service/${serviceName}`, `:${port}`];
        const child = spawn(kubectl, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const fail = (why: string) => {
            clearTimeout(timer);
            child.kill();
            reject(new Error(`cannot reach service ${serviceName} in namespace ${namespace}: \`${kubectl} ${args.join(" ")}\` ${why}`));
        };
        const timer = setTimeout(() => fail(`printed no "Forwarding from" line within ${timeoutMs / 1000} s${err ? `: ${err.trim()}` : ""}`), timeoutMs);
        child.on("error", (e) => fail(`could not start (${(e as NodeJS.ErrnoException).code === "ENOENT" ? `${kubectl} is not on PATH` : e.message})`));
        child.on("exit", (code) => fail(`exited ${code}${err ? `: ${err.trim()}` : ""}`));
        child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) {
                clearTimeout(timer);
                child.removeAllListeners("exit");
                resolve({ child, localPort: Number(m[1]) });
            }
        });
    });
}
