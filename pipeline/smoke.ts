/**
 * The deployment plan's smoke tests ("Step 4: Smoke Tests"), against a base URL:
 *   1. GET /health answers 200;
 *   2. POST /api/trpc/booking.create with the plan's body returns a booking id;
 *   3. GET /api/trpc/booking.getById with that id returns the same fields;
 *   4. a create with artistId 999999 (the plan's error case) returns a tRPC error with a 4xx status;
 *   5. the booking_request email reaches the mail catcher (Mailpit's API) on a stack that has one;
 *      on a stack without one (production), the email service's queue drains after the booking
 *      (its JSON /metrics `email_queue_size`): a stuck or dead email service fails it, though
 *      delivery to the inbox itself is not observable there.
 * Bounded timeouts everywhere; idempotent calls are retried, the create is not (a retry could
 * book twice). The bearer token never reaches the output: every line is redacted.
 */
import { randomBytes } from "crypto";
import { CheckResult, formatCheck, Log, snippet } from "./checks";
import { Clock, systemClock } from "./clock";
import { describeStatus, httpRequest, HttpResponse, parseJson } from "./http";
import { Redactor } from "../cli/redact";
import { bookingIdOf, trpcData, trpcError } from "./trpc";
import { APP_METRICS_JSON_FIELDS } from "../metrics/contract";

export interface SmokeOptions {
    /** e.g. https://staging.ologywood.com */
    baseUrl: string;
    /** Bearer token of the test account (TEST_TOKEN). */
    token?: string;
    /** Base URL of Mailpit's API (e.g. http://127.0.0.1:8025); without it the email check is skipped. */
    mailUrl?: string;
    /** Path answering 200 when healthy. @default "/health" */
    healthPath?: string;
    clock?: Clock;
    log?: Log;
    /** Timeout of one HTTP request. @default 10000 */
    requestTimeoutMs?: number;
    /** Tries of the idempotent calls (health, getById). @default 3 */
    attempts?: number;
    /** Pause between tries. @default 2000 */
    retryDelayMs?: number;
    /** How long to wait for the email. @default 120000 */
    mailTimeoutMs?: number;
    /** Pause between two searches of the mail catcher. @default 5000 */
    mailPollMs?: number;
    /** The stack has a mail catcher, but it could not be reached: the email check fails with this reason. */
    mailUnreachable?: string;
    /** Without a mail catcher: check that the email queue drains after the booking, read from this JSON metrics path. */
    emailQueue?: { metricsPath: string };
    /** Why the email check is skipped when there is neither. @default "no mail catcher URL given (--mail-url)" */
    mailSkipReason?: string;
    /** Unique text in the test booking, searched for in the mail catcher. @default smoke-<random> */
    marker?: string;
}

export interface SmokeResult {
    passed: boolean;
    /** Some failed check meets the plan's rollback criteria. */
    severe: boolean;
    checks: CheckResult[];
    bookingId?: string | number;
    marker: string;
}

/** The plan's test booking (artist 1, a venue, details), made unique by the marker. */
export function testBooking(marker: string, eventDate: string) {
    return {
        artistId: 1,
        eventDate,
        venueName: `Test Venue ${marker}`,
        venueAddress: "123 Test St",
        eventDetails: `Test booking ${marker} (automated smoke test, safe to delete)`,
    };
}

/** The plan's error case: an artist that does not exist. */
export const MISSING_ARTIST_BODY = { artistId: 999999 } as const;

export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
    const clock = options.clock ?? systemClock;
    const redactor = new Redactor([options.token]);
    const log = redactor.wrap(options.log ?? (() => undefined));
    const base = options.baseUrl.replace(/\/+$/, "");
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    const attempts = options.attempts ?? 3;
    const marker = options.marker ?? `smoke-${randomBytes(4).toString("hex")}`;
    const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
    const checks: CheckResult[] = [];
    const record = (check: CheckResult) => {
        const clean = { ...check, detail: redactor.redact(check.detail) };
        checks.push(clean);
        log(formatCheck(clean));
        return clean;
    };
    const retrying = (url: string) => withRetries(() => httpRequest(url, { headers: auth, timeoutMs }), attempts, options.retryDelayMs ?? 2000, clock);

    log(`smoke tests against ${base} (marker ${marker})`);

    // 1. Health.
    const health = await timed(() => retrying(`${base}${options.healthPath ?? "/health"}`));
    record(
        health.value.response.status === 200
            ? pass(`GET ${options.healthPath ?? "/health"} is 200`, health.ms, `HTTP 200 (attempt ${health.value.attempt} of ${attempts})`)
            : fail(
                  `GET ${options.healthPath ?? "/health"} is 200`,
                  health.ms,
                  `${describeStatus(health.value.response)} after ${health.value.attempt} attempt(s)`,
                  true,
              ),
    );

    // The email queue before the booking: after it, the queue must come back to this level.
    const queueBefore = options.emailQueue && !options.mailUrl ? await readEmailQueue(`${base}${options.emailQueue.metricsPath}`, timeoutMs) : undefined;

    // 2. Create the plan's booking.
    const booking = testBooking(marker, isoDate(clock.now() + 60 * 86_400_000));
    const created = await timed(() => httpRequest(`${base}/api/trpc/booking.create`, { method: "POST", headers: auth, body: booking, timeoutMs }));
    const createdData = trpcData(created.value.text);
    const bookingId = bookingIdOf(createdData);
    const createCheck = record(
        created.value.status === 200 && bookingId !== undefined
            ? pass("POST booking.create returns a booking id", created.ms, `id ${bookingId}`)
            : fail("POST booking.create returns a booking id", created.ms, unexpected(created.value, "a booking id"), isServerFailure(created.value)),
    );

    // 3. Read it back.
    if (bookingId === undefined) {
        record(skip("GET booking.getById returns the same fields", "no booking was created"));
    } else {
        const input = encodeURIComponent(JSON.stringify({ id: bookingId }));
        const read = await timed(() => retrying(`${base}/api/trpc/booking.getById?input=${input}`));
        const mismatches = read.value.response.status === 200 ? compareBooking(booking, trpcData(read.value.response.text)) : undefined;
        record(
            mismatches !== undefined && mismatches.length === 0
                ? pass("GET booking.getById returns the same fields", read.ms, `booking ${bookingId}: ${Object.keys(booking).join(", ")} match`)
                : fail(
                      "GET booking.getById returns the same fields",
                      read.ms,
                      mismatches ? `booking ${bookingId} differs: ${mismatches.join("; ")}` : unexpected(read.value.response, "the booking"),
                      // A 5xx, or data that does not match what was written (the plan: "data corruption detected").
                      mismatches !== undefined || isServerFailure(read.value.response),
                  ),
        );
    }

    // 4. The error case must be a client error, not a crash.
    const missing = await timed(() => httpRequest(`${base}/api/trpc/booking.create`, { method: "POST", headers: auth, body: MISSING_ARTIST_BODY, timeoutMs }));
    const error = trpcError(missing.value.text);
    // 401/403 mean the token was refused before the error case was reached: not a pass.
    const refused = missing.value.status === 401 || missing.value.status === 403;
    record(
        missing.value.status >= 400 && missing.value.status < 500 && !refused && error
            ? pass(
                  "booking.create with artistId 999999 is a tRPC 4xx error",
                  missing.ms,
                  `HTTP ${missing.value.status} ${error.code ?? ""} ${error.message ?? ""}`.trim(),
              )
            : fail(
                  "booking.create with artistId 999999 is a tRPC 4xx error",
                  missing.ms,
                  unexpected(missing.value, "a tRPC error with a 4xx status"),
                  isServerFailure(missing.value),
              ),
    );

    // 5. The booking_request email.
    const mailName = "booking_request email reaches the mail catcher";
    const mailTimeoutMs = options.mailTimeoutMs ?? 120_000;
    const mailPollMs = options.mailPollMs ?? 5000;
    if (options.mailUrl) {
        record(
            createCheck.outcome !== "passed"
                ? skip(mailName, "no booking was created")
                : await waitForEmail(options.mailUrl, marker, clock, mailTimeoutMs, mailPollMs, timeoutMs, mailName),
        );
    } else if (options.mailUnreachable) {
        // The stack runs a mail catcher: not reaching it leaves the check undone, which is no pass.
        record(fail(mailName, 0, `the mail catcher could not be reached: ${options.mailUnreachable}`, false));
    } else if (options.emailQueue) {
        const queueName = "booking_request email leaves the email queue";
        record(
            createCheck.outcome !== "passed"
                ? skip(queueName, "no booking was created")
                : await waitForQueueToDrain(`${base}${options.emailQueue.metricsPath}`, queueBefore, clock, mailTimeoutMs, mailPollMs, timeoutMs, queueName),
        );
    } else {
        record(skip(mailName, options.mailSkipReason ?? "no mail catcher URL given (--mail-url)"));
    }

    const failed = checks.filter((c) => c.outcome === "failed");
    const result: SmokeResult = { passed: failed.length === 0, severe: failed.some((c) => c.severe), checks, bookingId, marker };
    log(
        `smoke tests ${result.passed ? "passed" : "FAILED"}: ${checks.filter((c) => c.outcome === "passed").length} passed, ` +
            `${failed.length} failed, ${checks.filter((c) => c.outcome === "skipped").length} skipped`,
    );
    return result;
}

/**
 * GET /health until it answers 200 or the attempts run out: the rollback's final check, and the
 * first smoke check.
 */
export async function checkHealth(
    baseUrl: string,
    options: { healthPath?: string; attempts?: number; retryDelayMs?: number; timeoutMs?: number; clock?: Clock } = {},
): Promise<CheckResult> {
    const url = `${baseUrl.replace(/\/+$/, "")}${options.healthPath ?? "/health"}`;
    const attempts = options.attempts ?? 10;
    const result = await timed(() =>
        withRetries(() => httpRequest(url, { timeoutMs: options.timeoutMs ?? 10_000 }), attempts, options.retryDelayMs ?? 5000, options.clock ?? systemClock),
    );
    const name = `GET ${options.healthPath ?? "/health"} is 200`;
    return result.value.response.status === 200
        ? pass(name, result.ms, `HTTP 200 (attempt ${result.value.attempt} of ${attempts})`)
        : fail(name, result.ms, `${describeStatus(result.value.response)} after ${result.value.attempt} attempt(s)`, true);
}

async function waitForEmail(
    mailUrl: string,
    marker: string,
    clock: Clock,
    timeoutMs: number,
    pollMs: number,
    requestTimeoutMs: number,
    name: string,
): Promise<CheckResult> {
    const started = clock.now();
    const realStart = performance.now();
    // Mailpit's search: quoted text is one term, matched case-insensitively in the message text.
    const url = `${mailUrl.replace(/\/+$/, "")}/api/v1/search?query=${encodeURIComponent(`"${marker}"`)}&limit=5`;
    let last: string;
    let searches = 0;
    for (;;) {
        searches++;
        const response = await httpRequest(url, { timeoutMs: requestTimeoutMs });
        const body = parseJson(response.text) as { messages_count?: number; messages?: { Subject?: string; To?: { Address?: string }[] }[] } | undefined;
        const messages = Array.isArray(body?.messages) ? body!.messages : [];
        const waited = clock.now() - started + (performance.now() - realStart);
        if (response.status === 200 && messages.length > 0) {
            const m = messages[0];
            const to = (m.To ?? [])
                .map((t) => t.Address)
                .filter(Boolean)
                .join(", ");
            return pass(name, waited, `"${m.Subject ?? ""}" to ${to || "(no recipient)"} after ${searches} search(es)`);
        }
        last =
            response.status === 200
                ? `no message containing ${marker}`
                : `mail catcher answered ${describeStatus(response)}${response.text ? `: ${snippet(response.text)}` : ""}`;
        if (clock.now() - started + pollMs > timeoutMs) {
            // Mailpit answering without the message means the email service did not send it:
            // the plan's "email service failures". An unreachable Mailpit is our tooling's problem.
            return fail(name, waited, `not found within ${Math.round(timeoutMs / 1000)} s (${searches} searches): ${last}`, response.status === 200);
        }
        await clock.sleep(pollMs);
    }
}

/** `email_queue_size` from the app's JSON metrics, or why it could not be read. */
async function readEmailQueue(url: string, timeoutMs: number): Promise<{ size: number } | { error: string }> {
    const response = await httpRequest(url, { timeoutMs });
    const size = (parseJson(response.text) as Record<string, unknown> | undefined)?.[APP_METRICS_JSON_FIELDS.emailQueueSize];
    if (response.status === 200 && typeof size === "number" && Number.isFinite(size)) return { size };
    return { error: response.status === 200 ? `no numeric ${APP_METRICS_JSON_FIELDS.emailQueueSize} in the answer` : describeStatus(response) };
}

/**
 * Polls the email queue until it is back at (or below) its size before the booking: the email
 * service took the booking_request email off the queue. A queue that stays above it (an email
 * service that is stuck or down) fails; a queue that cannot be read fails too (no data is no pass).
 */
async function waitForQueueToDrain(
    url: string,
    before: { size: number } | { error: string } | undefined,
    clock: Clock,
    timeoutMs: number,
    pollMs: number,
    requestTimeoutMs: number,
    name: string,
): Promise<CheckResult> {
    const started = clock.now();
    const realStart = performance.now();
    if (!before || "error" in before)
        return fail(name, 0, `the email queue could not be read before the booking (${before?.error ?? "not read"}): the email service is not verified`, false);
    let last: string;
    for (let reads = 1; ; reads++) {
        const now = await readEmailQueue(url, requestTimeoutMs);
        const waited = clock.now() - started + (performance.now() - realStart);
        if ("size" in now && now.size <= before.size) {
            return pass(
                name,
                waited,
                `${APP_METRICS_JSON_FIELDS.emailQueueSize} back to ${now.size} (${before.size} before the booking) after ${reads} read(s); delivery to the inbox is not observable on this stack`,
            );
        }
        last =
            "size" in now
                ? `${APP_METRICS_JSON_FIELDS.emailQueueSize} is ${now.size}, was ${before.size} before the booking`
                : `cannot read the queue: ${now.error}`;
        if (clock.now() - started + pollMs > timeoutMs) {
            // A queue that grows and never drains: the plan's "email service failures".
            return fail(name, waited, `not drained within ${Math.round(timeoutMs / 1000)} s: ${last}`, "size" in now);
        }
        await clock.sleep(pollMs);
    }
}

async function withRetries(
    call: () => Promise<HttpResponse>,
    attempts: number,
    delayMs: number,
    clock: Clock,
): Promise<{ response: HttpResponse; attempt: number }> {
    let response: HttpResponse = await call();
    let attempt = 1;
    while (response.status !== 200 && attempt < attempts && (response.status === 0 || response.status >= 500)) {
        await clock.sleep(delayMs);
        attempt++;
        response = await call();
    }
    return { response, attempt };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
}

const pass = (name: string, ms: number, detail: string): CheckResult => ({ name, outcome: "passed", ms, detail });
const fail = (name: string, ms: number, detail: string, severe: boolean): CheckResult => ({ name, outcome: "failed", ms, detail, severe });
const skip = (name: string, detail: string): CheckResult => ({ name, outcome: "skipped", ms: 0, detail });

/** No answer, a timeout or a 5xx: the server failed, not the request. */
function isServerFailure(response: HttpResponse): boolean {
    return response.status === 0 || response.status >= 500;
}

function unexpected(response: HttpResponse, expected: string): string {
    const error = trpcError(response.text);
    const what = error ? `tRPC error ${error.code ?? ""} ${error.message ?? ""}`.trim() : snippet(response.text) || "an empty body";
    return `expected ${expected}, got ${describeStatus(response)}${response.status === 0 ? "" : `: ${what}`}`;
}

/** Fields of the written booking that the read-back does not match; dates compared by day. */
export function compareBooking(written: Record<string, unknown>, read: unknown): string[] {
    const r = ((read as any)?.booking ?? read) as Record<string, unknown> | undefined;
    if (!r || typeof r !== "object") return ["no booking in the answer"];
    const problems: string[] = [];
    for (const [key, value] of Object.entries(written)) {
        const got = r[key];
        const same = key === "eventDate" ? typeof got === "string" && got.slice(0, 10) === String(value) : got === value;
        if (!same) problems.push(`${key}: wrote ${JSON.stringify(value)}, read ${JSON.stringify(got)}`);
    }
    return problems;
}

function isoDate(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
}
