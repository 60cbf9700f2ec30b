/**
 * A stand-in for Mailpit's REST API: `GET /api/v1/search?query=...` and `GET /api/v1/messages`,
 * answering the MessagesSummary shape of Mailpit v1.x (server/apiv1/messages.go: total, unread,
 * count, messages_count, messages_unread, start, tags, messages[]), with MessageSummary entries
 * (ID, MessageID, Read, From, To, Cc, Bcc, ReplyTo, Subject, Created, Username, Tags, Size,
 * Attachments, Snippet). Search follows internal/storage/search.go for what the pipeline uses:
 * quoted phrases are one term, plain terms match the message text case-insensitively, and
 * `subject:` / `to:` match those fields; an empty query is a 400 "Error: no search query".
 */
import { randomBytes } from "crypto";
import { RunningServer, sendJson, startServer } from "./server";

export interface Address {
    Name: string;
    Address: string;
}

export interface StoredMessage {
    ID: string;
    MessageID: string;
    From: Address;
    To: Address[];
    Subject: string;
    Created: string;
    Text: string;
}

export class StandInMailpit {
    readonly messages: StoredMessage[] = [];
    /** Every search query received, for assertions. */
    readonly searches: string[] = [];

    private constructor(private readonly server: RunningServer) {}

    get url(): string {
        return this.server.url;
    }

    static async start(): Promise<StandInMailpit> {
        // The handler needs the instance, which needs the server: the handler reads it once it exists.
        // eslint-disable-next-line prefer-const
        let self!: StandInMailpit;
        const server = await startServer((req, _body, res) => {
            const url = new URL(req.url ?? "/", "http://stand-in");
            if (req.method === "GET" && url.pathname === "/api/v1/search") {
                const query = (url.searchParams.get("query") ?? "").trim();
                self.searches.push(query);
                if (!query) {
                    res.writeHead(400, { "Content-Type": "text/plain" });
                    res.end("Error: no search query");
                    return;
                }
                const found = self.messages.filter((m) => matches(m, query));
                sendJson(res, 200, self.summary(found, Number(url.searchParams.get("limit") ?? 50)));
                return;
            }
            if (req.method === "GET" && url.pathname === "/api/v1/messages") {
                sendJson(res, 200, self.summary(self.messages, Number(url.searchParams.get("limit") ?? 50)));
                return;
            }
            sendJson(res, 404, { error: "not found" });
        });
        self = new StandInMailpit(server);
        return self;
    }

    /** What the email service's SMTP delivery would store. */
    deliver(message: { from: string; to: string; subject: string; text: string }): void {
        this.messages.unshift({
            ID: randomBytes(8).toString("hex"),
            MessageID: `${randomBytes(6).toString("hex")}@stand-in`,
            From: { Name: "", Address: message.from },
            To: [{ Name: "", Address: message.to }],
            Subject: message.subject,
            Created: new Date().toISOString(),
            Text: message.text,
        });
    }

    close(): Promise<void> {
        return this.server.close();
    }

    private summary(found: StoredMessage[], limit: number) {
        const page = found.slice(0, limit);
        return {
            total: this.messages.length,
            unread: this.messages.length,
            count: page.length,
            messages_count: found.length,
            messages_unread: found.length,
            start: 0,
            tags: [],
            messages: page.map((m) => ({
                ID: m.ID,
                MessageID: m.MessageID,
                Read: false,
                From: m.From,
                To: m.To,
                Cc: [],
                Bcc: [],
                ReplyTo: [],
                Subject: m.Subject,
                Created: m.Created,
                Username: "",
                Tags: [],
                Size: m.Text.length,
                Attachments: 0,
                Snippet: m.Text.slice(0, 250),
            })),
        };
    }
}

/** Mailpit's argument grouping: quoted strings are one term. */
function terms(query: string): string[] {
    return (query.match(/"[^"]*"|\S+/g) ?? []).map((t) => t.replace(/"/g, "")).filter(Boolean);
}

function matches(m: StoredMessage, query: string): boolean {
    const text = `${m.Subject} ${m.Text} ${m.From.Address} ${m.To.map((t) => t.Address).join(" ")}`.toLowerCase();
    return terms(query).every((term) => {
        const lower = term.toLowerCase();
        if (lower.startsWith("subject:")) return m.Subject.toLowerCase().includes(lower.slice(8));
        if (lower.startsWith("to:")) return m.To.some((t) => t.Address.toLowerCase().includes(lower.slice(3)));
        return text.includes(lower);
    });
}
