import { strict as assert } from "assert";
import { VirtualClock } from "../support/virtual-clock";
import { dayBefore, hourBefore, rolledBack, success } from "../../pipeline/messages";
import { notifierFor, PrintedNotifier, SlackWebhook } from "../../pipeline/slack";
import { StandInSlack } from "../support/standins/slack";

const WEBHOOK = "https://hooks.slack.com/services/T000TEST/B000TEST/s3cr3tw3bh00kt0k3n";

describe("Slack notifications against a local webhook stand-in", () => {
    let slack: StandInSlack;
    const lines: string[] = [];

    before(async () => {
        slack = await StandInSlack.start();
    });
    after(() => slack.close());
    beforeEach(() => {
        lines.length = 0;
        slack.received.length = 0;
    });

    const webhook = () =>
        new SlackWebhook(WEBHOOK, { channel: "#ologywood-deployment", log: (l) => lines.push(l), transport: slack.transport(), clock: new VirtualClock() });

    it("posts the message as JSON `text` to the webhook's path, and reports it delivered", async () => {
        const d = await webhook().send(hourBefore("1.4.2"));
        assert.equal(d.delivered, true);
        assert.equal(slack.received.length, 1);
        assert.equal(slack.received[0].path, "/services/T000TEST/B000TEST/s3cr3tw3bh00kt0k3n");
        assert.equal(slack.received[0].contentType, "application/json");
        assert.match(slack.received[0].text, /^⏰ Booking System Deployment - Starting in 1 hour \(release 1\.4\.2\)/);
        assert.match(slack.received[0].text, /Expected downtime: None \(zero-downtime deployment\)/);
    });

    it("retries once after a 429, honouring Retry-After", async () => {
        slack.failures.push({ status: 429, body: "rate_limited", headers: { "Retry-After": "2" } });
        const d = await webhook().send(success("1.4.2", [{ stack: "staging", gates: [] }], 900_000, () => true));
        assert.equal(d.delivered, true);
        assert.equal(slack.received.length, 1);
    });

    it("reports an undeliverable message without throwing, prints it, and never prints the webhook URL", async () => {
        slack.failures.push({ status: 404, body: `no_service ${WEBHOOK}` });
        const d = await webhook().send(rolledBack("prod", "release 1.4.1 (update #41)", 200_000));
        assert.equal(d.delivered, false);
        assert.match(d.detail ?? "", /HTTP 404/);
        const out = lines.join("\n") + JSON.stringify(d);
        assert.ok(!out.includes("s3cr3tw3bh00kt0k3n"), out);
        assert.match(out, /NOT delivered/);
        assert.match(out, /rolled back to release 1\.4\.1/);
    });

    it("prints the messages when the stack has no webhook", async () => {
        const n = notifierFor({ channel: "#ologywood-deployment" }, (l) => lines.push(l));
        assert.ok(n instanceof PrintedNotifier);
        const d = await n.send(hourBefore("1.4.2"));
        assert.equal(d.via, "printed");
        assert.match(lines.join("\n"), /no webhook configured, printed instead/);
        assert.match(lines.join("\n"), /Starting in 1 hour/);
    });

    it("announces the day before with the plan's shape and a timeline estimated from the stacks' gates", () => {
        const text = dayBefore("1.4.2", "Tomorrow at 2:00 PM EST", [
            { stack: "staging", loadTest: true, loadTestSeconds: 60, bakeSeconds: 300 },
            { stack: "prod", loadTest: false, loadTestSeconds: 60, bakeSeconds: 900 },
        ]).text;
        assert.match(text, /^🚀 Booking System Deployment - Tomorrow at 2:00 PM EST \(release 1\.4\.2\)/);
        assert.match(text, /- \+0:00: staging deployment/);
        assert.match(text, /prod metrics watch \(15 min\)/);
        assert.match(text, /Questions\? Reply in thread\./);
    });
});

describe("the post-deployment message says what the release really did", () => {
    const gate = (name: string, outcome: "passed" | "skipped", detail: string, skippedChecks: string[] = []) => ({
        gate: name,
        outcome,
        detail,
        skippedChecks,
    });

    it("names each stack's passed gates with their figures, and lists what was not verified", () => {
        const { text } = success(
            "1.4.2",
            [
                {
                    stack: "staging",
                    gates: [gate("smoke tests", "passed", "5 passed"), gate("load test", "passed", "p95 0.350 s"), gate("bake", "passed", "healthy for 5m")],
                },
                {
                    stack: "prod",
                    gates: [
                        gate("smoke tests", "passed", "4 passed, 1 skipped", ["booking_request email reaches the mail catcher (no mail catcher URL given)"]),
                        gate("load test", "skipped", "not run on this stack (release.loadTest is false)"),
                        gate("bake", "skipped", "release.bakeSeconds is 0"),
                    ],
                },
            ],
            1_200_000,
            (s) => s === "prod",
        );
        assert.match(text, /^staging: smoke tests passed \(5 passed\), load test passed \(p95 0\.350 s\), bake passed \(healthy for 5m\)$/m);
        assert.match(text, /^prod: smoke tests passed \(4 passed, 1 skipped\)$/m);
        assert.match(
            text,
            /Not verified by this release:\n- prod smoke tests: booking_request email reaches the mail catcher \(no mail catcher URL given\)\n- prod load test: not run on this stack \(release\.loadTest is false\)\n- prod bake: release\.bakeSeconds is 0/,
        );
        assert.match(text, /Alerts keep watching prod \(docs\/monitoring\.md\)\. Monitoring is OFF on staging: nobody is paged there\./);
        assert.doesNotMatch(text, /load test and metric checks passed|All systems nominal/, "no fixed claims");
    });
});
