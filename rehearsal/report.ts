/**
 * DIR/rehearsal.json and the summary printed at the end. The first keys are the contract of the
 * issue (pulumi, pulumiVersion, kubectl, backend, passphrase, workDir, kubeconfig,
 * kubernetesVersion, plugins, stacks, steps); what follows is additive: what was NOT done through
 * the engine and why, the program runner, the stand-ins, the timing of the release's own steps
 * (read by `npm run bench:release`).
 */
import { StepRecord as ReleaseStepRecord } from "../pipeline/report";

export interface RehearsalStep {
    name: string;
    ok: boolean;
    seconds: number;
    detail: string;
    /** The step's log, relative to DIR. */
    log?: string;
    /** Commands: the exit code, and what was expected of it. */
    exitCode?: number;
    expectedExitCode?: number;
    /** Release and rollback commands: their own report's steps (stack, step, seconds, outcome). */
    pipeline?: { outcome?: string; steps: Pick<ReleaseStepRecord, "stack" | "step" | "seconds" | "outcome" | "detail">[] };
}

export interface NotThroughEngine {
    what: string;
    why: string;
    instead: string;
}

export interface RehearsalReport {
    pulumi: string;
    pulumiVersion: string;
    kubectl: string;
    backend: string;
    passphrase: string;
    workDir: string;
    kubeconfig: string;
    kubernetesVersion: string;
    plugins: Record<string, string>;
    stacks: string[];
    steps: RehearsalStep[];
    ok: boolean;
    startedAt: string;
    endedAt: string;
    seconds: number;
    kept: boolean;
    /** In the environment of every process the rehearsal started (RUN_ENV): how a leftover is found. */
    runId: string;
    baseCommit?: string;
    programRunner?: { runner: string; why: string };
    notThroughEngine: NotThroughEngine[];
    simulated: string[];
    standIns: Record<string, string>;
    versions: { good: string; bad: string };
    toolsDir: string;
}

/** What the engine did not do, and why: the exact reasons come from the tool cache's manifest (docs/rehearsal.md). */
export function notThroughEngine(unavailable: { tool: string; command: string; error: string }[], runnerWhy: string | undefined): NotThroughEngine[] {
    const reason = (tool: string, fallback: string) => {
        const u = unavailable.find((x) => x.tool === tool);
        return u
            ? `${u.command}: ${u.error
                  .split("\n")
                  .map((l) => l.trim())
                  .filter(Boolean)
                  .join(" / ")}`
            : fallback;
    };
    return [
        {
            what: "policy pack (pulumi preview/up --policy-pack policy)",
            why: `a Node.js policy pack is run by the pulumi-language-nodejs plugin (or a pulumi-analyzer-policy-nodejs plugin), and neither exists here: ${reason("pulumi-language-nodejs", "pulumi-language-nodejs is not built")}; ${reason("pulumi-analyzer-policy", "no pulumi-analyzer-policy plugin")}`,
            instead:
                "the pod hardening rules run in the tests (tests/hardening) on the rendered objects; here the API server's Pod Security admission (restricted) checked every pod the controllers created",
        },
        {
            what: "language host (pulumi-language-nodejs)",
            why: reason("pulumi-language-nodejs", "not built"),
            instead: `the program ran in-process through the SDK's inline mode (pipeline/drivers/program-runner.ts): ${runnerWhy ?? "no pulumi-language-nodejs on PATH"}`,
        },
        {
            what: "postgresql and random providers (db.mode managed: roles, databases, grants, generated passwords)",
            why: `${reason("pulumi-resource-postgresql", "not built")}; ${reason("pulumi-resource-random", "not built")}`,
            instead:
                "db.mode external: the rehearsal acted as the DBA and created the roles, databases and grants on its PostgreSQL server with the program's own SQL (components/database/sql.ts), outside the engine; the stacks got the passwords as db.credentials.* secrets",
        },
        {
            what: "command provider (the post-deploy check of /health inside pulumi up)",
            why: reason("pulumi-resource-command", "not built"),
            instead: "postDeployCheck.enabled: false; the release's smoke gate checked /health after every update",
        },
        {
            what: "Mailpit on staging (the email check through the mail catcher's API)",
            why: "its API is reached with kubectl port-forward to a pod, and kwok runs no containers",
            instead: "mailpit.enabled: false on staging: the smoke test's email check used the email queue draining in the app's JSON /metrics",
        },
    ];
}

export const SIMULATED = [
    "pods: kwok marks them Running/Ready (Deployments) and Succeeded (Jobs); no image is pulled and no container runs, so the backup, restore and exporter scripts did not execute (they are tested with the real tools in tests/database)",
    "volumes: a stand-in provisioner (rehearsal/controllers.ts) made a PersistentVolume for each claim of the rehearsal-local storage class",
    "ingress: a stand-in ingress controller wrote the Ingress status; the public URL is a stand-in app on 127.0.0.1 that serves the version the API server says is deployed",
    "Prometheus and Slack: stand-ins on 127.0.0.1 (tests/support/standins)",
    "no networking between pods (no kube-proxy, no NetworkPolicy enforcement, no DNS)",
];

function pad(text: string, width: number): string {
    return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** The summary on stdout: every step with its time and verdict, then where things are. */
export function summary(report: RehearsalReport, reportFile: string, out: string): string[] {
    const lines = [
        "",
        `Rehearsal ${report.ok ? "PASSED" : "FAILED"} in ${formatSeconds(report.seconds)} (Pulumi ${report.pulumiVersion}, Kubernetes ${report.kubernetesVersion}, kubernetes provider ${report.plugins.kubernetes ?? "?"})`,
        "",
    ];
    for (const s of report.steps) {
        lines.push(`  ${s.ok ? "ok  " : "FAIL"}  ${pad(formatSeconds(s.seconds), 8)}  ${s.name}`);
        if (!s.ok || s.detail.length < 160) lines.push(`        ${" ".repeat(8)}  ${s.detail.split("\n")[0].slice(0, 400)}`);
    }
    lines.push("", "Not done through the engine:");
    for (const n of report.notThroughEngine) lines.push(`  - ${n.what}: ${n.instead}`);
    lines.push("", `Report: ${reportFile}`);
    if (report.kept) {
        lines.push(
            "Kept running (--keep): inspect with the same tools, e.g.",
            `  export PATH=${report.pulumi.replace(/\/pulumi$/, "")}:$PATH KUBECONFIG=${report.kubeconfig} PULUMI_HOME=${report.workDir.replace(/\/project$/, "/pulumi-home")} PULUMI_CONFIG_PASSPHRASE=${report.passphrase}`,
            `  cd ${report.workDir} && pulumi stack history --stack prod && kubectl get pods -A`,
            `Stop it with: npm run rehearse -- --stop --out ${out}`,
        );
    }
    return lines;
}

export function formatSeconds(seconds: number): string {
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    const m = Math.floor(seconds / 60);
    return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, "0")}s`;
}
