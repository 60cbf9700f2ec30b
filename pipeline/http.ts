/**
 * One HTTP call with a bounded timeout, for the smoke test, the bake gate's metric sources and
 * Slack. Never throws for an HTTP status: the callers decide what a status means. Network
 * failures and timeouts come back as `status: 0` with the reason in `error`.
 */
export interface HttpRequest {
    method?: "GET" | "POST";
    headers?: Record<string, string>;
    /** Sent as is; objects are sent as JSON. */
    body?: string | object;
    timeoutMs?: number;
}

export interface HttpResponse {
    /** 0 when no answer came (connection refused, timeout, DNS). */
    status: number;
    text: string;
    headers: Record<string, string>;
    /** Wall time of the call. */
    ms: number;
    error?: string;
}

export async function httpRequest(url: string, request: HttpRequest = {}): Promise<HttpResponse> {
    const started = performance.now();
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    let body: string | undefined;
    if (request.body !== undefined) {
        body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
        headers["Content-Type"] ??= "application/json";
    }
    try {
        const response = await fetch(url, {
            method: request.method ?? (body === undefined ? "GET" : "POST"),
            headers,
            body,
            signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
            redirect: "manual",
        });
        const text = await response.text();
        return {
            status: response.status,
            text,
            headers: Object.fromEntries(response.headers.entries()),
            ms: performance.now() - started,
        };
    } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const reason =
            err.name === "TimeoutError" ? `no answer within ${request.timeoutMs ?? 10_000} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
        return { status: 0, text: "", headers: {}, ms: performance.now() - started, error: reason };
    }
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** `200`, or `no answer (ECONNREFUSED)`: a status as messages show it. */
export function describeStatus(response: HttpResponse): string {
    return response.status === 0 ? `no answer (${response.error})` : `HTTP ${response.status}`;
}
