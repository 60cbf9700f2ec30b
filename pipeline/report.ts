/**
 * Progress and report: every step of a release or rollback is printed when it starts and when it
 * ends, with the time, the time since the start (the plan's "During Deployment" timeline) and its
 * duration, and recorded for the `--report` JSON with its start, end, outcome and figures.
 */
import * as fs from "fs";
import * as path from "path";
import { Log } from "./checks";
import { Clock, formatDuration, formatOffset } from "./clock";
import { Delivery } from "./slack";

export type StepOutcome = "passed" | "failed" | "skipped";

export interface StepRecord {
    /** The stack, or undefined for steps of the whole run. */
    stack?: string;
    step: string;
    start: string;
    end: string;
    seconds: number;
    outcome: StepOutcome;
    detail?: string;
    figures?: Record<string, unknown>;
}

export interface StepEnd<T> {
    outcome: StepOutcome;
    detail?: string;
    figures?: Record<string, unknown>;
    value: T;
}

export class Progress {
    readonly steps: StepRecord[] = [];
    readonly notifications: (Delivery & { stack?: string; at: string })[] = [];
    readonly startedAt: number;

    constructor(
        readonly clock: Clock,
        readonly log: Log,
    ) {
        this.startedAt = clock.now();
    }

    /** `19:02:13 +2:13  staging   text` */
    line(stack: string | undefined, text: string): void {
        const now = this.clock.now();
        const prefix = `${new Date(now).toISOString().slice(11, 19)} ${formatOffset(now - this.startedAt).padStart(8)}  ${(stack ?? "").padEnd(9)}`;
        text.split("\n").forEach((l, i) => this.log(i === 0 ? `${prefix} ${l}` : `${" ".repeat(prefix.length)} ${l}`));
    }

    /** Runs one step, printing its start and end and recording it. Exceptions are recorded as a failure and rethrown. */
    async step<T>(stack: string | undefined, step: string, work: () => Promise<StepEnd<T>>): Promise<StepEnd<T> & { record: StepRecord }> {
        const start = this.clock.now();
        this.line(stack, `▶ ${step}`);
        let end: StepEnd<T>;
        try {
            end = await work();
        } catch (e) {
            const record = this.record(stack, step, start, "failed", (e as Error).message);
            this.line(stack, `✖ ${step} FAILED after ${formatDuration(record.seconds * 1000)}: ${(e as Error).message}`);
            throw e;
        }
        const record = this.record(stack, step, start, end.outcome, end.detail, end.figures);
        const mark = end.outcome === "passed" ? "✔" : end.outcome === "failed" ? "✖" : "–";
        const word = end.outcome === "passed" ? "" : end.outcome === "failed" ? " FAILED" : " skipped";
        this.line(stack, `${mark} ${step}${word} (${formatDuration(record.seconds * 1000)})${end.detail ? `: ${end.detail}` : ""}`);
        return { ...end, record };
    }

    noteDelivery(stack: string | undefined, delivery: Delivery): void {
        this.notifications.push({ ...delivery, stack, at: new Date(this.clock.now()).toISOString() });
    }

    private record(
        stack: string | undefined,
        step: string,
        start: number,
        outcome: StepOutcome,
        detail?: string,
        figures?: Record<string, unknown>,
    ): StepRecord {
        const end = this.clock.now();
        const record: StepRecord = {
            stack,
            step,
            start: new Date(start).toISOString(),
            end: new Date(end).toISOString(),
            seconds: (end - start) / 1000,
            outcome,
            detail,
            figures,
        };
        this.steps.push(record);
        return record;
    }
}

/** Writes the report as JSON, creating the directory; the text is redacted by the caller. */
export function writeReport(file: string, json: string): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, json);
}
