/**
 * A stand-in for Prometheus's instant query API, `GET /api/v1/query?query=...`, answering as
 * Prometheus does: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{...},
 * "value":[<unix seconds>,"<value as string>"]}]}}`, with "NaN" and "+Inf" as strings, an empty
 * result when no series matches, and `{"status":"error","errorType":"bad_data","error":...}` with
 * HTTP 400 for a bad query. What each series holds is up to the test (a resolver).
 */
import { RunningServer, sendJson, startServer } from "./server";

/** A value, several series, no series, NaN, or an error answer. */
export type SeriesValue = number | number[] | "NaN" | "empty" | "error";

/** Given the metric name and label matchers of a query, what Prometheus answers (undefined: empty). */
export type Resolver = (metric: string, labels: Record<string, string>) => SeriesValue | undefined;

export class StandInPrometheus {
    readonly queries: string[] = [];

    private constructor(private readonly server: RunningServer) {}

    get url(): string {
        return this.server.url;
    }

    static async start(resolve: Resolver, now: () => number = Date.now): Promise<StandInPrometheus> {
        // The handler needs the instance, which needs the server: the handler reads it once it exists.
        // eslint-disable-next-line prefer-const
        let self!: StandInPrometheus;
        const server = await startServer((req, _body, res) => {
            const url = new URL(req.url ?? "/", "http://stand-in");
            if (url.pathname !== "/api/v1/query") {
                sendJson(res, 404, { status: "error", errorType: "not_found", error: "not found" });
                return;
            }
            const query = url.searchParams.get("query") ?? "";
            self.queries.push(query);
            const parsed = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(query.trim());
            if (!parsed) {
                sendJson(res, 400, { status: "error", errorType: "bad_data", error: `1:1: parse error: unexpected input in ${JSON.stringify(query)}` });
                return;
            }
            const labels: Record<string, string> = {};
            for (const m of (parsed[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[m[1]] = m[2];
            const value = resolve(parsed[1], labels) ?? "empty";
            if (value === "error") {
                sendJson(res, 400, { status: "error", errorType: "bad_data", error: "query processing failed" });
                return;
            }
            const values = value === "empty" ? [] : Array.isArray(value) ? value : [value];
            const ts = now() / 1000;
            sendJson(res, 200, {
                status: "success",
                data: {
                    resultType: "vector",
                    result: values.map((v, i) => ({ metric: { __name__: parsed[1], ...labels, instance: `series-${i}` }, value: [ts, format(v)] })),
                },
            });
        });
        self = new StandInPrometheus(server);
        return self;
    }

    close(): Promise<void> {
        return this.server.close();
    }
}

function format(v: number | "NaN"): string {
    if (v === "NaN") return "NaN";
    if (v === Infinity) return "+Inf";
    if (v === -Infinity) return "-Inf";
    return String(v);
}
