/**
 * The rehearsal's steps as they happen: each one timed, its log file under DIR/logs, its start
 * and verdict printed, its record kept for the report. A failed critical step (the control plane,
 * the first release) stops the scenario: what follows depends on it.
 */
import * as fs from "fs";
import * as path from "path";
import { formatSeconds, RehearsalStep } from "./report";

export class Aborted extends Error {
    constructor(message: string) {
        super(message);
        this.name = "Aborted";
    }
}

export type StepOutcome = Omit<RehearsalStep, "name" | "ok" | "seconds" | "log"> & { ok?: boolean };

export class StepRecorder {
    readonly steps: RehearsalStep[] = [];
    /** Set by a signal: the running step ends as failed and nothing else starts. */
    interrupted?: string;

    constructor(
        private readonly out: string,
        private readonly logs: string,
        private readonly print: (line: string) => void,
    ) {}

    /** A fresh log file for the next step: logs/NN-<slug>.log. */
    private logFor(name: string): string {
        const slug = name
            .toLowerCase()
            .replace(/[^a-z0-9.]+/g, "-")
            .replace(/^-+|-+$/g, "")
            .slice(0, 60);
        const file = path.join(this.logs, `${String(this.steps.length + 1).padStart(2, "0")}-${slug}.log`);
        fs.writeFileSync(file, `# ${name}\n`);
        return file;
    }

    /** `always`: runs even after an interruption (the teardown). */
    async run(name: string, work: (logFile: string) => Promise<StepOutcome>, options: { critical?: boolean; always?: boolean } = {}): Promise<RehearsalStep> {
        if (this.interrupted && !options.always) throw new Aborted(this.interrupted);
        const logFile = this.logFor(name);
        const started = Date.now();
        this.print(`▶ ${name}`);
        let step: RehearsalStep;
        try {
            const outcome = await work(logFile);
            step = { name, ok: outcome.ok ?? true, seconds: 0, ...outcome, log: path.relative(this.out, logFile) };
        } catch (e) {
            step = { name, ok: false, seconds: 0, detail: (e as Error).message, log: path.relative(this.out, logFile) };
        }
        if (this.interrupted && step.ok && !options.always) step = { ...step, ok: false, detail: `${this.interrupted}; ${step.detail}` };
        step.seconds = Number(((Date.now() - started) / 1000).toFixed(1));
        fs.appendFileSync(logFile, `\n# ${step.ok ? "ok" : "FAILED"} after ${step.seconds} s: ${step.detail}\n`);
        this.steps.push(step);
        this.print(`${step.ok ? "✔" : "✖"} ${name} (${formatSeconds(step.seconds)})${step.ok ? "" : ` FAILED: ${step.detail.split("\n")[0]}`}`);
        if (this.interrupted && !options.always) throw new Aborted(this.interrupted);
        if (!step.ok && options.critical) throw new Aborted(`step "${name}" failed and the rest depends on it`);
        return step;
    }
}
