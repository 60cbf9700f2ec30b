/**
 * The booking app's tRPC answers, read the same way by the smoke test and the load test:
 * `{"result":{"data":X}}` (batched: an array of those); with the superjson transformer X is
 * `{"json":...}`. Errors: `{"error":{"message","code","data":{"code","httpStatus"}}}`, superjson
 * wrapped or not.
 */
import { parseJson } from "./http";

/** The answer's data, unwrapped from a batch and from superjson; undefined when there is none. */
export function trpcData(body: string): unknown {
    const data = unbatch(parseJson(body))?.result?.data;
    return data && typeof data === "object" && "json" in data ? (data as { json: unknown }).json : data;
}

export function trpcError(body: string): { message?: string; code?: string } | undefined {
    const raw = unbatch(parseJson(body))?.error;
    if (!raw || typeof raw !== "object") return undefined;
    const error = "json" in raw ? (raw as { json: any }).json : raw;
    return { message: error?.message, code: error?.data?.code ?? (error?.code !== undefined ? String(error.code) : undefined) };
}

/** The booking id, whichever shape the app answers with: `{id}`, `{bookingId}` or `{booking: {id}}`. */
export function bookingIdOf(data: unknown): string | number | undefined {
    const d = data as any;
    const id = d?.id ?? d?.bookingId ?? d?.booking?.id;
    return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function unbatch(body: unknown): any {
    return Array.isArray(body) ? body[0] : body;
}
