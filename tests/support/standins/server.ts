/**
 * Local stand-ins for the systems the pipeline talks to (the app, Prometheus, Slack, Mailpit):
 * real HTTP servers on 127.0.0.1 and a free port, used by the tests and `npm run bench:release`.
 * The release commands never use them.
 */
import * as http from "http";
import { AddressInfo } from "net";

export type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void | Promise<void>;

export interface RunningServer {
    url: string;
    close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<RunningServer> {
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            Promise.resolve(handler(req, Buffer.concat(chunks).toString("utf8"), res)).catch((e) => {
                if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
                res.end(`stand-in failed: ${(e as Error).message}`);
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
