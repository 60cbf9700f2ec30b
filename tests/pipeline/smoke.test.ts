import { strict as assert } from "assert";
import { VirtualClock } from "../support/virtual-clock";
import { runSmoke, SmokeOptions } from "../../pipeline/smoke";
import { AppBehaviour, StandInApp } from "../support/standins/app";
import { StandInMailpit } from "../support/standins/mailpit";

const TOKEN = "smoke-test-token-5b1f0c";

describe("smoke tests against a local stand-in of the app", () => {
    let mailpit: StandInMailpit;
    let app: StandInApp;
    const lines: string[] = [];

    before(async () => {
        mailpit = await StandInMailpit.start();
        app = await StandInApp.start({ token: TOKEN, mailpit });
    });
    after(async () => {
        await app.close();
        await mailpit.close();
    });
    beforeEach(() => {
        lines.length = 0;
    });

    async function smoke(behaviour: AppBehaviour, options: Partial<SmokeOptions> = {}) {
        app.setBehaviour("under-test", behaviour);
        app.deploy("under-test");
        return runSmoke({
            baseUrl: app.url,
            token: TOKEN,
            mailUrl: mailpit.url,
            clock: new VirtualClock(),
            log: (l) => lines.push(l),
            requestTimeoutMs: 2000,
            mailPollMs: 5000,
            mailTimeoutMs: 60_000,
            ...options,
        });
    }

    const outcomes = (r: { checks: { outcome: string }[] }) => r.checks.map((c) => c.outcome);

    it("passes all five checks on a healthy app, finding the booking_request email in Mailpit", async () => {
        const result = await smoke({});
        assert.deepEqual(outcomes(result), ["passed", "passed", "passed", "passed", "passed"], lines.join("\n"));
        assert.equal(result.passed, true);
        assert.ok(mailpit.searches.includes(`"${result.marker}"`), "searched Mailpit for the booking's marker, quoted");
        assert.match(lines.join("\n"), /PASS {2}booking_request email reaches the mail catcher/);
    });

    it("reports the email check as skipped without a mail catcher URL, and still passes", async () => {
        const result = await smoke({}, { mailUrl: undefined });
        assert.deepEqual(outcomes(result), ["passed", "passed", "passed", "passed", "skipped"]);
        assert.equal(result.passed, true);
    });

    it("without a mail catcher, checks that the email queue drains after the booking (production)", async () => {
        const result = await smoke({}, { mailUrl: undefined, emailQueue: { metricsPath: "/metrics" } });
        assert.deepEqual(outcomes(result), ["passed", "passed", "passed", "passed", "passed"], lines.join("\n"));
        assert.match(
            lines.join("\n"),
            /PASS {2}booking_request email leaves the email queue.*email_queue_size back to 0 \(0 before the booking\).*delivery to the inbox is not observable/,
        );
    });

    it("without a mail catcher, a stuck email service fails the queue check, severe (the plan's email service failure)", async () => {
        const result = await smoke({ sendsEmail: false }, { mailUrl: undefined, emailQueue: { metricsPath: "/metrics" } });
        assert.deepEqual(outcomes(result), ["passed", "passed", "passed", "passed", "failed"], lines.join("\n"));
        assert.equal(result.severe, true);
        assert.match(result.checks[4].detail, /not drained within 60 s: email_queue_size is 1, was 0 before the booking/);
    });

    it("without a mail catcher, an unreadable queue is no pass", async () => {
        const result = await smoke({ metrics: null }, { mailUrl: undefined, emailQueue: { metricsPath: "/metrics" } });
        assert.equal(result.checks[4].outcome, "failed");
        assert.match(result.checks[4].detail, /the email queue could not be read before the booking \(HTTP 500\)/);
    });

    it("a stack whose mail catcher cannot be reached fails the email check instead of skipping it", async () => {
        const result = await smoke({}, { mailUrl: undefined, mailUnreachable: "port-forward to svc/mailpit failed" });
        assert.equal(result.passed, false);
        assert.deepEqual(outcomes(result), ["passed", "passed", "passed", "passed", "failed"]);
        assert.match(result.checks[4].detail, /the mail catcher could not be reached: port-forward to svc\/mailpit failed/);
    });

    const faults: { name: string; behaviour: AppBehaviour; options?: Partial<SmokeOptions>; failed: number[]; severe: boolean }[] = [
        { name: "health answers 503 (database down)", behaviour: { healthStatus: 503 }, failed: [0], severe: true },
        { name: "booking.create answers 500", behaviour: { createStatus: 500 }, failed: [1, 3], severe: true },
        { name: "the email service sends nothing", behaviour: { sendsEmail: false }, failed: [4], severe: true },
        { name: "getById returns other data than written", behaviour: { corruptReads: true }, failed: [2], severe: true },
        { name: "the missing artist crashes the app (500)", behaviour: { missingArtistStatus: 500 }, failed: [3], severe: true },
        { name: "the app is slower than the request timeout", behaviour: { latencyMs: 400 }, options: { requestTimeoutMs: 150 }, failed: [1, 3], severe: true },
        { name: "the token is refused (401)", behaviour: {}, options: { token: "wrong-token-123456" }, failed: [1, 3], severe: false },
    ];
    for (const fault of faults) {
        it(`fails when ${fault.name}, at the right check`, async () => {
            const result = await smoke(fault.behaviour, fault.options);
            assert.equal(result.passed, false);
            const failed = result.checks.map((c, i) => (c.outcome === "failed" ? i : -1)).filter((i) => i >= 0);
            assert.deepEqual(failed, fault.failed, lines.join("\n"));
            assert.equal(result.severe, fault.severe);
        });
    }

    it("retries health on 5xx within bounds and reports the attempts", async () => {
        const result = await smoke({ healthStatus: 500 }, { attempts: 4, retryDelayMs: 1000 });
        assert.match(result.checks[0].detail, /HTTP 500 after 4 attempt/);
        assert.equal(app.served.filter((s) => s.path === "/health" && s.status === 500).length >= 4, true);
    });

    it("never prints the token, even when the app echoes it back in an error", async () => {
        const result = await smoke({ createStatus: 500, echoAuthorization: true });
        const everything = lines.join("\n") + JSON.stringify(result);
        assert.ok(!everything.includes(TOKEN), "token leaked");
        assert.match(everything, /\[secret\]/, "the echoed header is visible as redacted");
    });
});
