/**
 * The step durations `npm run bench:release` can take from a rehearsal (`npm run rehearse`,
 * docs/rehearsal.md) instead of pipeline/model.ts: what the real Pulumi engine, the kubernetes
 * provider and a real API server take for a preview, a release's `up`, the rollback's `up` and
 * the maintenance-off `up`, one stack-history read, the rollback's worktree. Read from the
 * release and rollback steps the rehearsal recorded (its report's `steps[].pipeline`).
 *
 * What a rehearsal cannot measure stays modelled, and the benchmark says so: under kwok no
 * container runs, so image pulls, container start-up and readiness (the rollout), the pg_dump of
 * a real database (the pre-deploy backup Job) and the post-deploy check of a real public URL
 * (turned off in the rehearsal: its URL is a stand-in) are added from the model on top of the
 * measured `up`; the smoke tests answered by a stand-in app in milliseconds say nothing of the
 * real app and its email trip; the CI runner's start and Slack are outside the rehearsal.
 */
import * as fs from "fs";
import { maintenanceOffSeconds, rollbackUpSeconds, STEP_SECONDS, upSeconds } from "../pipeline/model";

export const DEFAULT_REHEARSAL_REPORT = "out/rehearsal/rehearsal.json";

interface PipelineStep {
    stack: string;
    step: string;
    seconds: number;
    outcome: string;
}

/** One figure the benchmark runs on, where it came from, and why it is not measured when it is not. */
export interface Figure {
    seconds: number;
    source: "measured" | "measured + modelled" | "modelled";
    /** Measured part, its samples, and the model's own figure, for the table. */
    measured?: { seconds: number; samples: number };
    model: number;
    note: string;
}

export interface ReleaseFigures {
    /** Where the measured parts come from, or why there are none. */
    origin: string;
    pulumiCall: Figure;
    preview: Figure;
    releaseUp: Figure;
    rollbackPrepare: Figure;
    rollbackUp: Figure;
    maintenanceOffUp: Figure;
    smoke: Figure;
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The model's figures, every one modelled. */
export function modelledFigures(origin: string): ReleaseFigures {
    const S = STEP_SECONDS;
    const m = (seconds: number, note: string): Figure => ({ seconds, source: "modelled", model: seconds, note });
    return {
        origin,
        pulumiCall: m(S.pulumiCall, "one Pulumi CLI call"),
        preview: m(S.preview, "pulumi preview"),
        releaseUp: m(upSeconds(), "release up: engine, backup Job, rollout, post-deploy check"),
        rollbackPrepare: m(S.rollbackPrepare, "git worktree of the recorded commit"),
        rollbackUp: m(rollbackUpSeconds(), "rollback up: engine, rollout, post-deploy check"),
        maintenanceOffUp: m(maintenanceOffSeconds(), "maintenance-off up: engine, Ingress, post-deploy check"),
        smoke: m(S.smoke, "smoke tests against the real app, email through Mailpit"),
    };
}

/**
 * The figures from a rehearsal's report, or the model's with the reason when there is no usable
 * report. Only passed steps count: a failed step's time is not how long the step takes.
 */
export function releaseFigures(reportFile: string): ReleaseFigures {
    if (!fs.existsSync(reportFile))
        return modelledFigures(`no rehearsal report at ${reportFile} (run \`npm run rehearse\` to measure the engine's figures): every figure is modelled`);
    let report: {
        kind?: string;
        ok?: boolean;
        endedAt?: string;
        pulumiVersion?: string;
        kubernetesVersion?: string;
        steps?: { pipeline?: { steps: PipelineStep[] } }[];
    };
    try {
        report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
    } catch (e) {
        return modelledFigures(`${reportFile} is not a rehearsal report (${(e as Error).message}): every figure is modelled`);
    }
    if (report.kind !== "ologywood-rehearsal")
        return modelledFigures(`${reportFile} is not a rehearsal report (kind ${report.kind}): every figure is modelled`);
    const steps = (report.steps ?? []).flatMap((s) => s.pipeline?.steps ?? []).filter((s) => s.outcome === "passed");
    const samples = (match: (step: string) => boolean) => steps.filter((s) => match(s.step)).map((s) => s.seconds);
    const S = STEP_SECONDS;
    const model = modelledFigures("");
    const from = (base: Figure, values: number[], modelledPart: number, note: string): Figure => {
        if (values.length === 0) return { ...base, note: `${base.note} (the rehearsal recorded none)` };
        const measured = median(values);
        return {
            seconds: measured + modelledPart,
            source: modelledPart > 0 ? "measured + modelled" : "measured",
            measured: { seconds: measured, samples: values.length },
            model: base.model,
            note,
        };
    };
    return {
        origin: `rehearsal ${reportFile} (${report.endedAt ?? "?"}, Pulumi ${report.pulumiVersion ?? "?"}, Kubernetes ${report.kubernetesVersion ?? "?"}${report.ok ? "" : ", NOT all steps passed"})`,
        pulumiCall: from(
            model.pulumiCall,
            samples((s) => s === "rollback: choose the target"),
            0,
            "stack history read by the rollback",
        ),
        preview: from(
            model.preview,
            samples((s) => s === "preview"),
            0,
            "pulumi preview of the whole stack against the API server",
        ),
        releaseUp: from(
            model.releaseUp,
            samples((s) => s.startsWith("deploy (pulumi up")),
            S.up.backupJob + S.up.rollout + S.up.postDeployCheck,
            `measured up (engine, provider, API server, kwok's pods) + modelled ${S.up.backupJob} s pg_dump, ${S.up.rollout} s image pulls and container start-up, ${S.up.postDeployCheck} s post-deploy check`,
        ),
        rollbackPrepare: from(
            model.rollbackPrepare,
            samples((s) => s.startsWith("rollback: check out commit")),
            0,
            "git worktree, dependencies linked",
        ),
        rollbackUp: from(
            model.rollbackUp,
            samples((s) => s.startsWith("rollback: pulumi up")),
            S.rollbackUp.backupJob + S.rollbackUp.rollout + S.rollbackUp.postDeployCheck,
            `measured up + modelled ${S.rollbackUp.rollout} s rollout of the cached image, ${S.rollbackUp.postDeployCheck} s post-deploy check`,
        ),
        maintenanceOffUp: from(
            model.maintenanceOffUp,
            samples((s) => s === "maintenance page OFF"),
            S.maintenanceOff.postDeployCheck,
            `measured up + modelled ${S.maintenanceOff.postDeployCheck} s post-deploy check`,
        ),
        smoke: { ...model.smoke, note: "the rehearsal's app is a stand-in that answers in milliseconds; the real app and its email trip take longer" },
    };
}
