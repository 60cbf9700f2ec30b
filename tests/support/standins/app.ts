/**
 * A stand-in for the booking app behind the public host: /health, the tRPC booking endpoints the
 * smoke and load tests call, and the JSON /metrics. Each deployed version has a behaviour
 * (healthy, failing with 5xx, slow, email broken, ...); `deploy()` switches version, as
 * FakeDriver's onUp does when the pipeline runs `up`. With maintenance on it answers like the
 * maintenance page: 503 with Retry-After on every path.
 */
import type * as http from "http";
import { StandInMailpit } from "./mailpit";
import type { SeriesValue } from "./prometheus";
import { RunningServer, sendJson, sleep, startServer } from "./server";

export interface AppMetrics {
    error_rate: number;
    response_time_p95: number;
    db_connections: number;
    email_queue_size: number;
}

export interface AppBehaviour {
    /** Status of GET /health. @default 200 */
    healthStatus?: number;
    /** Added to every booking request, in ms (real time). @default 0 */
    latencyMs?: number;
    /** Added to booking requests once `count` of them were served by this version: slow under sustained load only. */
    slowAfter?: { count: number; ms: number };
    /** Every Nth request to any endpoint answers 500. @default 0 (never) */
    failEvery?: number;
    /** Status of every booking.create, overriding the normal answer (e.g. 500). */
    createStatus?: number;
    /** Status for the plan's missing artist (999999). @default 404 */
    missingArtistStatus?: number;
    /** The email service delivers booking_request emails to the mail catcher. @default true */
    sendsEmail?: boolean;
    /** booking.getById answers another venue than the one written. @default false */
    corruptReads?: boolean;
    /** Answers as an app with tRPC's superjson transformer: data wrapped as `{"json": ...}`. @default false */
    superjson?: boolean;
    /** Error answers quote the request's Authorization header (a leaky app, for redaction tests). */
    echoAuthorization?: boolean;
    /** JSON /metrics values; null makes /metrics answer 500. */
    metrics?: Partial<AppMetrics> | null;
    /**
     * What Prometheus records for this version's real traffic, when it differs from what the
     * behaviour above implies: a regression that hits users but not the smoke test.
     */
    prometheus?: { errorRatio?: SeriesValue; latencyP95?: SeriesValue };
}

export const HEALTHY_METRICS: AppMetrics = { error_rate: 0.0002, response_time_p95: 0.35, db_connections: 12, email_queue_size: 0 };

interface Booking {
    id: number;
    artistId: number;
    eventDate: string;
    venueName: string;
    venueAddress: string;
    eventDetails: string;
}

export interface StandInAppOptions {
    /** The bearer token the booking endpoints require. */
    token: string;
    /** Where booking_request emails go. */
    mailpit?: StandInMailpit;
    /** Behaviour per version (image tag); versions not listed are healthy. */
    behaviours?: Record<string, AppBehaviour>;
    version?: string;
    /** Awaited before each request is answered: lets a caller switch the version first (the rehearsal follows a cluster). */
    beforeRequest?: () => Promise<void>;
}

export class StandInApp {
    version: string;
    maintenance = false;
    /** Requests served, by path, for assertions. */
    readonly served: { method: string; path: string; status: number }[] = [];
    private readonly bookings = new Map<number, Booking>();
    private nextId = 1000;
    private counter = 0;
    private bookingRequests = 0;
    /** booking_request emails a version that does not send email left in the queue. */
    private unsentEmails = 0;

    private constructor(
        private readonly server: RunningServer,
        private readonly options: StandInAppOptions,
    ) {
        this.version = options.version ?? "0.0.0";
    }

    get url(): string {
        return this.server.url;
    }

    static async start(options: StandInAppOptions): Promise<StandInApp> {
        // The handler needs the instance, which needs the server: the handler reads it once it exists.
        // eslint-disable-next-line prefer-const
        let self!: StandInApp;
        const server = await startServer((req, body, res) => self.handle(req, body, res));
        self = new StandInApp(server, options);
        return self;
    }

    /** Switches the running version (and the maintenance page), as an `up` would. */
    deploy(version: string, maintenance = false): void {
        if (version !== this.version) {
            this.bookingRequests = 0;
            this.unsentEmails = 0;
        }
        this.version = version;
        this.maintenance = maintenance;
    }

    /** The behaviour of the running version. */
    get behaviour(): AppBehaviour {
        return this.options.behaviours?.[this.version] ?? {};
    }

    /** Sets or replaces the behaviour of a version (tests that change behaviour mid-run). */
    setBehaviour(version: string, behaviour: AppBehaviour): void {
        this.options.behaviours = { ...(this.options.behaviours ?? {}), [version]: behaviour };
    }

    close(): Promise<void> {
        return this.server.close();
    }

    private async handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): Promise<void> {
        await this.options.beforeRequest?.();
        const url = new URL(req.url ?? "/", "http://stand-in");
        const b = this.behaviour;
        const wrap = (data: unknown) => (b.superjson ? { json: data } : data);
        const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
            this.served.push({ method: req.method ?? "GET", path: url.pathname, status });
            sendJson(res, status, payload, headers);
        };
        if (this.maintenance) {
            reply(503, { maintenance: true, message: "We'll be back shortly" }, { "Retry-After": "120" });
            return;
        }
        this.counter++;
        if (b.failEvery && this.counter % b.failEvery === 0) {
            reply(500, { error: "internal error" });
            return;
        }
        if (url.pathname === "/health") {
            const status = b.healthStatus ?? 200;
            reply(status, { status: status === 200 ? "ok" : "unhealthy", version: this.version, database: status === 200 ? "up" : "down" });
            return;
        }
        if (url.pathname === "/metrics") {
            if (b.metrics === null) reply(500, { error: "metrics unavailable" });
            else {
                const metrics = { ...HEALTHY_METRICS, ...(b.metrics ?? {}) };
                // Emails that were never sent wait in the queue.
                reply(200, { ...metrics, email_queue_size: metrics.email_queue_size + this.unsentEmails });
            }
            return;
        }
        if (!url.pathname.startsWith("/api/trpc/")) {
            reply(404, { error: "not found" });
            return;
        }
        if (b.latencyMs) await sleep(b.latencyMs);
        if (b.slowAfter && ++this.bookingRequests > b.slowAfter.count) await sleep(b.slowAfter.ms);
        const auth = req.headers.authorization ?? "";
        const trpcError = (status: number, code: string, message: string) =>
            reply(status, {
                error: {
                    message: b.echoAuthorization ? `${message} (Authorization: ${auth})` : message,
                    code: -32000,
                    data: { code, httpStatus: status, path: url.pathname.slice(10) },
                },
            });
        if (auth !== `Bearer ${this.options.token}`) {
            trpcError(401, "UNAUTHORIZED", "missing or invalid token");
            return;
        }
        if (url.pathname === "/api/trpc/booking.create" && req.method === "POST") {
            if (b.createStatus) {
                trpcError(b.createStatus, "INTERNAL_SERVER_ERROR", "could not create the booking");
                return;
            }
            const input = JSON.parse(body || "{}");
            if (input.artistId !== 1) {
                const status = b.missingArtistStatus ?? 404;
                trpcError(status, status >= 500 ? "INTERNAL_SERVER_ERROR" : "NOT_FOUND", `artist ${input.artistId} not found`);
                return;
            }
            const missing = ["eventDate", "venueName", "venueAddress", "eventDetails"].filter((k) => typeof input[k] !== "string" || !input[k]);
            if (missing.length > 0) {
                trpcError(400, "BAD_REQUEST", `missing ${missing.join(", ")}`);
                return;
            }
            const booking: Booking = {
                id: this.nextId++,
                artistId: 1,
                eventDate: `${input.eventDate}T00:00:00.000Z`,
                venueName: input.venueName,
                venueAddress: input.venueAddress,
                eventDetails: input.eventDetails,
            };
            this.bookings.set(booking.id, booking);
            if (this.bookings.size > 10_000) this.bookings.delete(this.bookings.keys().next().value!);
            if (!(b.sendsEmail ?? true)) this.unsentEmails++;
            if ((b.sendsEmail ?? true) && this.options.mailpit) {
                const mailpit = this.options.mailpit;
                // The email service sends asynchronously, after the booking is stored.
                setImmediate(() =>
                    mailpit.deliver({
                        from: "bookings@staging.ologywood.com",
                        to: "artist1@example.com",
                        subject: `New booking request: ${booking.venueName}`,
                        text: `booking_request #${booking.id}\nVenue: ${booking.venueName}\nAddress: ${booking.venueAddress}\nDate: ${input.eventDate}\nDetails: ${booking.eventDetails}`,
                    }),
                );
            }
            reply(200, { result: { data: wrap({ id: booking.id, status: "pending" }) } });
            return;
        }
        if (url.pathname === "/api/trpc/booking.getById" && req.method === "GET") {
            const input = JSON.parse(url.searchParams.get("input") ?? "{}");
            const booking = this.bookings.get(Number(input.id));
            if (!booking) {
                trpcError(404, "NOT_FOUND", `booking ${input.id} not found`);
                return;
            }
            reply(200, { result: { data: wrap(b.corruptReads ? { ...booking, venueName: "Somewhere Else" } : booking) } });
            return;
        }
        trpcError(404, "NOT_FOUND", `no procedure ${url.pathname}`);
    }
}
