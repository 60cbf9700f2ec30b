/**
 * A stand-in for a Slack incoming webhook: accepts `POST /services/...` with a JSON body whose
 * `text` is a non-empty string and answers 200 `ok`, as Slack does; anything else gets Slack's
 * 400 `invalid_payload`. Failures can be queued (a 429 with Retry-After, a 404 `no_service`).
 */
import { httpRequest, parseJson } from "../../../pipeline/http";
import { Transport } from "../../../pipeline/slack";
import { RunningServer, startServer } from "./server";

export interface ReceivedMessage {
    path: string;
    contentType: string;
    text: string;
}

export class StandInSlack {
    readonly received: ReceivedMessage[] = [];
    /** Answers to give before the normal 200 (status, body, headers). */
    readonly failures: { status: number; body: string; headers?: Record<string, string> }[] = [];

    private constructor(private readonly server: RunningServer) {}

    get url(): string {
        return this.server.url;
    }

    static async start(): Promise<StandInSlack> {
        // The handler needs the instance, which needs the server: the handler reads it once it exists.
        // eslint-disable-next-line prefer-const
        let self!: StandInSlack;
        const server = await startServer((req, body, res) => {
            const failure = self.failures.shift();
            if (failure) {
                res.writeHead(failure.status, { "Content-Type": "text/plain", ...(failure.headers ?? {}) });
                res.end(failure.body);
                return;
            }
            const payload = parseJson(body) as { text?: unknown } | undefined;
            const contentType = String(req.headers["content-type"] ?? "");
            if (
                req.method !== "POST" ||
                !req.url?.startsWith("/services/") ||
                !contentType.startsWith("application/json") ||
                typeof payload?.text !== "string" ||
                payload.text.trim() === ""
            ) {
                res.writeHead(400, { "Content-Type": "text/plain" });
                res.end("invalid_payload");
                return;
            }
            self.received.push({ path: req.url, contentType, text: payload.text });
            res.writeHead(200, { "Content-Type": "text/plain" });
            res.end("ok");
        });
        self = new StandInSlack(server);
        return self;
    }

    /**
     * Sends what is addressed to the real webhook host here instead, keeping the path: the
     * stack config's webhook must be https://hooks.slack.com/..., which no local server is.
     */
    transport(): Transport {
        return (url, payload) => httpRequest(`${this.url}${new URL(url).pathname}`, { method: "POST", body: payload });
    }

    /** The texts received, in order. */
    get texts(): string[] {
        return this.received.map((m) => m.text);
    }

    close(): Promise<void> {
        return this.server.close();
    }
}
