/**
 * The plan's communication plan as Slack messages to an incoming webhook (stack config
 * `slack.webhookUrl`, a secret). Without a webhook the messages are printed instead. Sending is
 * best effort: a notification that cannot be delivered is reported, never fails a release or a
 * rollback. The webhook URL is a secret: it never appears in output or errors.
 *
 * Incoming webhooks take a JSON body with `text` (mrkdwn) and answer 200 `ok`; a 429 carries
 * Retry-After (Slack allows about one message per second per channel).
 */
import { Log } from "./checks";
import { Clock, systemClock } from "./clock";
import { describeStatus, httpRequest, HttpResponse } from "./http";
import { Redactor } from "../cli/redact";

export type MessageKind = "day-before" | "hour-before" | "stage" | "success" | "failure" | "rollback-started" | "rolled-back" | "rollback-failed";

export interface Notification {
    kind: MessageKind;
    text: string;
}

export interface Delivery {
    kind: MessageKind;
    text: string;
    via: "slack" | "printed";
    delivered: boolean;
    detail?: string;
}

export interface Notifier {
    /** Never throws. */
    send(notification: Notification): Promise<Delivery>;
}

/** How a payload reaches the webhook; tests route it to a local stand-in. */
export type Transport = (url: string, payload: object) => Promise<HttpResponse>;

export const httpTransport: Transport = (url, payload) => httpRequest(url, { method: "POST", body: payload, timeoutMs: 10_000 });

export class SlackWebhook implements Notifier {
    private readonly redactor: Redactor;

    constructor(
        private readonly webhookUrl: string,
        private readonly options: { channel?: string; log?: Log; transport?: Transport; clock?: Clock } = {},
    ) {
        this.redactor = new Redactor([webhookUrl]);
    }

    async send(notification: Notification): Promise<Delivery> {
        const transport = this.options.transport ?? httpTransport;
        const log = this.redactor.wrap(this.options.log ?? (() => undefined));
        const payload = { text: notification.text };
        let response = await transport(this.webhookUrl, payload);
        if (response.status === 429) {
            // One retry after Slack's Retry-After (bounded: a release does not wait on chat).
            const wait = Math.min(30, Number(response.headers["retry-after"] ?? "1") || 1);
            await (this.options.clock ?? systemClock).sleep(wait * 1000);
            response = await transport(this.webhookUrl, payload);
        }
        const delivered = response.status === 200;
        const detail = delivered ? undefined : this.redactor.redact(`${describeStatus(response)}${response.text ? `: ${response.text.slice(0, 100)}` : ""}`);
        log(
            delivered
                ? `  slack ${this.options.channel ?? ""}: sent (${notification.kind})`
                : `  slack ${this.options.channel ?? ""}: NOT delivered (${detail}); the message was:\n${indent(notification.text)}`,
        );
        return { kind: notification.kind, text: notification.text, via: "slack", delivered, detail };
    }
}

/** No webhook configured: the messages go to the output, so nobody loses them. */
export class PrintedNotifier implements Notifier {
    constructor(
        private readonly log: Log,
        private readonly channel?: string,
    ) {}

    async send(notification: Notification): Promise<Delivery> {
        this.log(`  slack ${this.channel ?? ""} (no webhook configured, printed instead):\n${indent(notification.text)}`);
        return { kind: notification.kind, text: notification.text, via: "printed", delivered: false };
    }
}

/** The notifier a stack's config asks for. */
export function notifierFor(slack: { webhookUrl?: string; channel?: string }, log: Log, transport?: Transport, clock?: Clock): Notifier {
    return slack.webhookUrl ? new SlackWebhook(slack.webhookUrl, { channel: slack.channel, log, transport, clock }) : new PrintedNotifier(log, slack.channel);
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((l) => `    | ${l}`)
        .join("\n");
}
