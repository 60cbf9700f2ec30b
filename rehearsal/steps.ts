/**
 * The rehearsal's scenario, step by step: the local world is set up, then the project's real
 * commands run in the project copy (the same `npm run ...` a person types, the real Pulumi
 * engine through the AutomationDriver, against the local API server), each followed by an
 * independent check:
 *
 *   preview staging -> release GOOD to staging and prod -> a later commit -> release BAD (prod
 *   turns bad after its update: the bake gate fails, the automatic rollback redeploys GOOD's
 *   commit and config, maintenance page on and off inside it) -> rollback staging by hand ->
 *   maintenance on/off -> db:restore -> no secret anywhere in DIR.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROLE_KEYS, databaseNameFor } from "../components/database/access";
import { productionMinBakeSeconds } from "../config/release";
import { readStackConfig } from "../render/stack-file";
import type { ReleaseReport } from "../pipeline/release";
import type { StepRecord } from "../pipeline/report";
import { commandEnv, generatedPassphrase, initBackend, makeProjectCopy, StackSettings } from "./backend";
import { checkDatabaseSecrets, checkPodSecurity, checkStack, exportedState, Expectations, pulumiJson, scanForSecrets, stackHistory, Tooling } from "./checks";
import { applyCrds, startControlPlane } from "./control-plane";
import { StandInControllers, STORAGE_CLASS } from "./controllers";
import { Dba, generatedPassword, startDatabase } from "./database";
import { KubeClient } from "./kube";
import { ProcessGroup } from "./processes";
import { StepOutcome, StepRecorder } from "./recorder";
import { RehearsalStep } from "./report";
import { StandIns } from "./standins";
import type { AppBehaviour } from "../tests/support/standins/app";
import { Layout, RehearsalState } from "./state";
import { Tools } from "./tools";

/** The version every stack passes with, and the one prod fails with after its update. */
export const GOOD = "1.1.0";
export const BAD = "1.2.0";
export const STACKS = ["staging", "prod"];
/** Staging's bake in the rehearsal: three samples 30 s apart (production keeps the schema's minimum). */
export const STAGING_BAKE_SECONDS = 60;
/** What prod's app reports while it runs BAD: 5 % errors, beyond the plan's 1 % rollback criterion. */
export const BAD_ERROR_RATE = 0.05;

/** A comment the later commit adds to the maintenance page: which program's page the pods serve shows which commit ran. */
const LATER_COMMIT_MARK = "<!-- rehearsal: the program of the later commit -->";
const MAINTENANCE_HTML = path.join("components", "maintenance", "maintenance.html");

export interface Scenario {
    repoRoot: string;
    l: Layout;
    tools: Tools;
    procs: ProcessGroup;
    recorder: StepRecorder;
    print: (line: string) => void;
    state: RehearsalState;
    saveState: () => void;
    passphrase: string;
    token: string;
    /** Name -> value of every secret the rehearsal made; the scan looks for each. */
    secrets: Record<string, string>;
    // Filled as the scenario goes.
    kubernetesVersion?: string;
    kube?: KubeClient;
    controllers?: StandInControllers;
    standIns?: StandIns;
    dba?: Dba;
    baseCommit?: string;
    runner?: { runner: string; why: string };
    /** Text that will be in the report, scanned with DIR. */
    reportText?: () => string;
}

export function newScenario(base: Omit<Scenario, "passphrase" | "token" | "secrets">): Scenario {
    const token = `rehearsal-token-${randomBytes(12).toString("hex")}`;
    return { ...base, passphrase: generatedPassphrase(), token, secrets: { TEST_TOKEN: token } };
}

function tooling(s: Scenario, logFile: string): Tooling {
    return { procs: s.procs, kubectl: s.tools.path.kubectl, pulumi: s.tools.path.pulumi, env: env(s), cwd: s.l.copy, logFile };
}

function env(s: Scenario): NodeJS.ProcessEnv {
    return commandEnv(s.tools, s.l, s.passphrase, { TEST_TOKEN: s.token });
}

function namespaceOf(s: Scenario, stack: string): string {
    return String(readStackConfig(s.repoRoot, stack).raw.namespace);
}

function tierOf(s: Scenario, stack: string): string {
    return String(readStackConfig(s.repoRoot, stack).raw.tier);
}

/** Progress lines of the commands worth showing while they run; everything is in the step's log. */
const PROGRESS = /[▶✔✖–]|rolled back|release .* (done|refused|rolled)|\[maintenance\]|\[db:restore\].*step|error/;

/** `npm run -s <script> -- args` in the project copy, like a person; the exit code is the step's verdict. */
async function npmCommand(s: Scenario, logFile: string, script: string, args: string[], expected: number, reportFile?: string): Promise<StepOutcome> {
    const full = [...args, ...(reportFile ? ["--report", reportFile] : [])];
    const r = await s.procs.run("npm", ["run", "-s", script, "--", ...full], {
        cwd: s.l.copy,
        env: env(s),
        logFile,
        timeoutMs: 60 * 60_000,
        echo: (line) => {
            if (PROGRESS.test(line)) s.print(`    ${line.trim().slice(0, 200)}`);
        },
    });
    const report =
        reportFile && fs.existsSync(reportFile)
            ? (JSON.parse(fs.readFileSync(reportFile, "utf8")) as Partial<ReleaseReport> & { steps?: StepRecord[] })
            : undefined;
    const last = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" / ");
    return {
        ok: r.code === expected,
        exitCode: r.code ?? -1,
        expectedExitCode: expected,
        detail: `npm run ${script} -- ${args.join(" ")}: exit ${r.code ?? r.signal} (expected ${expected})${report?.outcome ? `, outcome ${report.outcome}` : ""}${r.code === expected ? "" : `: ${last}`}`,
        pipeline: report?.steps
            ? {
                  outcome: report.outcome,
                  steps: report.steps.map((x) => ({ stack: x.stack, step: x.step, seconds: x.seconds, outcome: x.outcome, detail: x.detail })),
              }
            : undefined,
    };
}

/** The world: control plane, CRDs, stand-in controllers, database, stand-ins, project copy, backend. */
export async function setUp(s: Scenario): Promise<void> {
    const r = s.recorder;
    await r.run(
        "control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller (kwokctl --runtime binary, 127.0.0.1 only)",
        async (log) => {
            const cp = await startControlPlane(s.tools, s.l, s.procs, log, (cluster) => {
                s.state.cluster = cluster;
                s.saveState();
            });
            s.kubernetesVersion = cp.kubernetesVersion;
            s.kube = KubeClient.fromKubeconfig(cp.kubeconfig);
            return {
                detail: `Kubernetes ${cp.kubernetesVersion}, one kwok node, Secrets encrypted at rest; pids ${Object.entries(cp.pids)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ")}`,
            };
        },
        { critical: true },
    );

    await r.run(
        "prometheus-operator CRDs from the tool cache (kubectl apply --server-side)",
        async (log) => {
            const names = await applyCrds(s.tools, s.l, s.procs, log);
            return { detail: `${names.length} CRDs established (prometheus-operator ${s.tools.versions.crds}): ${names.join(", ")}` };
        },
        { critical: true },
    );

    await r.run(
        "stand-in controllers: volume provisioner and ingress controller (what kwok does not simulate)",
        async (log) => {
            const ingressClass = String((readStackConfig(s.repoRoot, STACKS[0]).raw.ingress as { className?: string } | undefined)?.className ?? "nginx");
            s.controllers = new StandInControllers(s.kube!, s.l.volumes, ingressClass, { log: (line) => fs.appendFileSync(log, `${line}\n`) });
            await s.controllers.start();
            return {
                detail: `StorageClass ${STORAGE_CLASS} (claims get a pre-bound PersistentVolume), IngressClass ${ingressClass} (Ingresses get status.loadBalancer 127.0.0.1)`,
            };
        },
        { critical: true },
    );

    await r.run(
        "PostgreSQL on 127.0.0.1, each stack's roles, databases and grants made by the rehearsal as the DBA (outside the engine)",
        async () => {
            fs.mkdirSync(s.l.postgres, { recursive: true });
            s.dba = await startDatabase(s.l.postgres, STACKS, (stack) =>
                Number((readStackConfig(s.repoRoot, stack).raw.db as { appConnectionLimit?: number } | undefined)?.appConnectionLimit ?? 50),
            );
            s.state.postgres = { dir: s.dba.server.dir, binDir: s.dba.server.binDir };
            s.saveState();
            for (const [stack, db] of s.dba.databases) for (const key of ROLE_KEYS) s.secrets[`${stack}:db.credentials.${key}`] = db.roles[key].password;
            return {
                detail: `PostgreSQL on 127.0.0.1:${s.dba.server.port}; ${[...s.dba.databases.values()].map((d) => `${d.database} (${ROLE_KEYS.map((k) => d.roles[k].user).join(", ")})`).join("; ")}`,
            };
        },
        { critical: true },
    );

    await r.run(
        "stand-ins on 127.0.0.1: the app behind each stack's public URL (following the cluster), Prometheus, Slack",
        async (log) => {
            s.standIns = await StandIns.start({
                kube: s.kube!,
                token: s.token,
                log: (line) => fs.appendFileSync(log, `${new Date().toISOString()} ${line}\n`),
                stacks: STACKS.map((stack) => ({
                    stack,
                    namespace: namespaceOf(s, stack),
                    // Production turns bad with BAD, after its update: errors users see, not the smoke test.
                    behaviours: (tierOf(s, stack) === "production"
                        ? { [BAD]: { metrics: { error_rate: BAD_ERROR_RATE }, prometheus: { errorRatio: BAD_ERROR_RATE } } }
                        : {}) as Record<string, AppBehaviour>,
                })),
            });
            for (const w of s.standIns.stacks.values()) s.secrets[`${w.stack}:slack.webhookUrl`] = w.webhookUrl;
            return {
                detail:
                    [...s.standIns.stacks.values()].map((w) => `${w.stack} app ${w.app.url}`).join(", ") +
                    `, Prometheus ${s.standIns.prometheus.url}, Slack ${s.standIns.slack.url}`,
            };
        },
        { critical: true },
    );

    await r.run(
        "project copy: git clone of this repository's HEAD, node_modules linked",
        async (log) => {
            const copy = await makeProjectCopy(s.repoRoot, s.l, s.procs, log);
            s.baseCommit = copy.commit;
            return {
                detail: `${s.l.copy} at ${copy.commit.slice(0, 12)}${copy.uncommitted.length > 0 ? `; not in the copy (uncommitted here): ${copy.uncommitted.slice(0, 5).join(", ")}${copy.uncommitted.length > 5 ? ", ..." : ""}` : ""}`,
            };
        },
        { critical: true },
    );

    await r.run(
        "Pulumi backend: pulumi login file://, stack init staging and prod, settings and secrets (pulumi config set --secret)",
        async (log) => {
            const settings = STACKS.map((stack) => stackSettings(s, stack));
            await initBackend(s.tools, s.l, s.procs, log, s.passphrase, settings);
            return {
                detail: `file://${s.l.backend}; ${settings.map((x) => `${x.stack}: ${x.plain.map(([k, v]) => `${k}=${v}`).join(", ")}; secrets ${x.secrets.map(([k]) => k).join(", ")}`).join(" | ")}`,
            };
        },
        { critical: true },
    );
}

/** The rehearsal's settings of a stack, on top of its Pulumi.<stack>.yaml (differences by tier, never by name). */
function stackSettings(s: Scenario, stack: string): StackSettings {
    const world = s.standIns!.stacks.get(stack)!;
    const production = tierOf(s, stack) === "production";
    const db = s.dba!.databases.get(stack)!;
    const secrets: [string, string][] = [
        ...ROLE_KEYS.map((k): [string, string] => [`db.credentials.${k}`, db.roles[k].password]),
        ["smtp.password", generatedPassword()],
        ["monitoring.pagerDutyRoutingKey", randomBytes(16).toString("hex")],
        ["slack.webhookUrl", world.webhookUrl],
    ];
    for (const [key, value] of secrets) s.secrets[`${stack}:${key}`] = value;
    return {
        stack,
        plain: [
            ["db.mode", "external"],
            ["publicUrl", world.app.url],
            ["postDeployCheck.enabled", "false"],
            ["backup.storageClass", STORAGE_CLASS],
            ["monitoring.prometheusUrl", s.standIns!.prometheus.url],
            ...(production
                ? [
                      ["release.bakeSeconds", String(productionMinBakeSeconds({ bakeIntervalSeconds: 30, bakeFailureSamples: 3, bakeNoDataSamples: 5 }))] as [
                          string,
                          string,
                      ],
                  ]
                : ([
                      ["mailpit.enabled", "false"],
                      ["release.bakeSeconds", String(STAGING_BAKE_SECONDS)],
                  ] as [string, string][])),
        ],
        secrets,
    };
}

/** The commands, each followed by its independent check. */
export async function rehearseCommands(s: Scenario): Promise<void> {
    const r = s.recorder;
    const [staging, prod] = STACKS;
    const ns = Object.fromEntries(STACKS.map((stack) => [stack, namespaceOf(s, stack)]));
    const goodHtml = fs.readFileSync(path.join(s.l.copy, MAINTENANCE_HTML), "utf8");
    const badHtml = goodHtml.replace("</body>", `${LATER_COMMIT_MARK}\n</body>`);
    const report = (name: string) => path.join(s.l.logs, name);
    let laterCommit = "";

    await r.run(
        "pulumi preview staging (AutomationDriver, nothing deployed yet)",
        async (log) => {
            const run = await s.procs.run(
                path.join(s.l.copy, "node_modules", ".bin", "ts-node"),
                ["--transpile-only", path.join("rehearsal", "preview-stack.ts"), staging],
                { cwd: s.l.copy, env: env(s), logFile: log, timeoutMs: 20 * 60_000 },
            );
            const runner = /^runner: (\S+) \((.*)\)$/m.exec(run.stdout);
            if (runner) s.runner = { runner: runner[1], why: runner[2] };
            const summary = /^changeSummary: (.*)$/m.exec(run.stdout)?.[1];
            if (run.code !== 0 || !summary) throw new Error(`preview failed (exit ${run.code}): ${run.stderr.trim().split("\n").slice(-3).join(" / ")}`);
            const e = new Expectations();
            const ops = JSON.parse(summary) as Record<string, number>;
            e.expect(
                (ops.create ?? 0) > 0 && Object.keys(ops).every((k) => k === "create"),
                `would create ${ops.create} resources`,
                `unexpected preview: ${summary}`,
            );
            const namespaces = await s.procs.run(s.tools.path.kubectl, ["get", "namespace", ns[staging], "--ignore-not-found", "-o", "name"], {
                env: env(s),
                logFile: log,
            });
            e.expect(
                namespaces.stdout.trim() === "",
                `the cluster has no ${ns[staging]} namespace (a preview changes nothing)`,
                `namespace ${ns[staging]} exists after a preview`,
            );
            return {
                detail: `${e.done()}; program runner: ${s.runner?.runner ?? "?"} (${s.runner?.why ?? "?"}); the policy pack did not run (see notThroughEngine)`,
            };
        },
        { critical: true },
    );

    await r.run(
        `release ${GOOD}: staging then prod (npm run release)`,
        (log) => npmCommand(s, log, "release", ["--image-tag", GOOD], 0, report(`release-${GOOD}.json`)),
        { critical: true },
    );

    await r.run(`check: both stacks run ${GOOD}, objects as declared, the pre-deploy backup Job complete`, async (log) => {
        const facts: string[] = [];
        for (const stack of STACKS)
            facts.push(`${stack}: ${await checkStack(tooling(s, log), ns[stack], { tag: GOOD, maintenance: false, maintenanceHtml: goodHtml })}`);
        const e = new Expectations();
        for (const stack of STACKS) {
            const jobs = (await s.procs.run(s.tools.path.kubectl, ["-n", ns[stack], "get", "jobs", "-o", "name"], { env: env(s), logFile: log })).stdout;
            e.expect(
                new RegExp(`pre-deploy-${GOOD.replace(/\./g, "-")}`).test(jobs),
                `${stack}: pre-deploy backup Job of ${GOOD} exists and completed`,
                `${stack}: no pre-deploy backup Job for ${GOOD} (${jobs.trim()})`,
            );
            const app = s.standIns!.stacks.get(stack)!.app;
            e.expect(
                app.version === GOOD && !app.maintenance,
                `${stack}'s public URL serves ${GOOD}`,
                `${stack}'s public URL serves ${app.version}${app.maintenance ? " (maintenance)" : ""}`,
            );
            e.expect(
                s.standIns!.slackTexts(stack).some((t) => t.includes(GOOD)),
                `${stack}: Slack got the release's messages`,
                `${stack}: no Slack message names ${GOOD}`,
            );
        }
        return { detail: `${facts.join(" | ")} | ${e.done()}` };
    });

    await r.run("check: Pod Security admission enforces restricted on both namespaces", async (log) => {
        const facts: string[] = [];
        for (const stack of STACKS) facts.push(`${stack}: ${await checkPodSecurity(tooling(s, log), ns[stack])}`);
        return { detail: facts.join(" | ") };
    });

    await r.run("check: the database credentials in the Kubernetes Secrets log in to the DBA's server", async (log) => {
        const facts: string[] = [];
        for (const stack of STACKS) {
            const db = s.dba!.databases.get(stack)!;
            facts.push(
                `${stack}: ${await checkDatabaseSecrets(tooling(s, log), ns[stack], s.dba!.server, databaseNameFor(stack), Object.fromEntries(ROLE_KEYS.map((k) => [k, db.roles[k].user])))}`,
            );
        }
        return { detail: facts.join(" | ") };
    });

    await r.run("a later commit in the project copy (a comment in the maintenance page)", async (log) => {
        fs.writeFileSync(path.join(s.l.copy, MAINTENANCE_HTML), badHtml);
        const git = (args: string[]) => s.procs.run("git", args, { cwd: s.l.copy, logFile: log });
        const commit = await git(["commit", "-q", "-m", `rehearsal: a later commit, released as ${BAD}`, "--", MAINTENANCE_HTML]);
        if (commit.code !== 0) throw new Error(`git commit failed: ${commit.stderr.trim()}`);
        laterCommit = (await git(["rev-parse", "HEAD"])).stdout.trim();
        return { detail: `commit ${laterCommit.slice(0, 12)} on top of ${s.baseCommit!.slice(0, 12)}` };
    });

    await r.run(
        `release ${BAD} from the later commit: prod turns bad after its update, the bake fails, the automatic rollback returns to ${GOOD} (exit 1 expected)`,
        (log) => npmCommand(s, log, "release", ["--image-tag", BAD], 1, report(`release-${BAD}.json`)),
    );

    await r.run(`check: prod runs ${GOOD} with ${GOOD}'s program and config again, staging runs ${BAD}`, async (log) => {
        const facts = [
            `prod: ${await checkStack(tooling(s, log), ns[prod], { tag: GOOD, maintenance: false, maintenanceHtml: goodHtml })}`,
            `staging: ${await checkStack(tooling(s, log), ns[staging], { tag: BAD, maintenance: false, maintenanceHtml: badHtml })}`,
        ];
        const e = new Expectations();
        const history = await stackHistory(tooling(s, log), prod);
        const releases = history.filter((h) => h.kind === "update");
        const good = releases.find((h) => h.message.startsWith(`release ${GOOD}`));
        const bad = releases.find((h) => h.message.startsWith(`release ${BAD}`));
        const rollbacks = releases.filter((h) => h.message.startsWith(`rollback to update #${good?.version}`));
        const last = releases[releases.length - 1];
        e.expect(
            Boolean(good && bad),
            `history: ${releases.map((h) => `#${h.version} ${h.result} "${h.message}"`).join(", ")}`,
            `prod's history lacks the releases: ${releases.map((h) => h.message).join(" | ")}`,
        );
        e.expect(
            rollbacks.length >= 1 && rollbacks.every((h) => h.result === "succeeded" && h.message.includes(`(commit ${s.baseCommit})`)),
            `rollback updates run ${GOOD}'s commit ${s.baseCommit!.slice(0, 12)}`,
            `no succeeded rollback update naming commit ${s.baseCommit!.slice(0, 12)}`,
        );
        e.expect(
            Boolean(bad?.message.includes(`(commit ${laterCommit})`)),
            `the ${BAD} update ran the later commit`,
            `the ${BAD} update does not name the later commit ${laterCommit.slice(0, 12)}`,
        );
        e.expect(
            rollbacks.some((h) => h.message.includes("[maintenance on]") && h.config["ologywood:maintenance"]?.value === "true") &&
                last?.message.includes("[maintenance off]") &&
                last.config["ologywood:maintenance"]?.value === "false",
            "maintenance page on inside the rollback update, off in the next",
            "the rollback did not switch the maintenance page on and then off",
        );
        e.expect(
            last?.config["ologywood:imageTag"]?.value === GOOD,
            `the last update's config has imageTag ${GOOD}`,
            `the last update's config has imageTag ${last?.config["ologywood:imageTag"]?.value}`,
        );
        const sameConfig =
            good &&
            last &&
            Object.keys(good.config)
                .filter((k) => !["ologywood:backup", "ologywood:maintenance"].includes(k))
                .every((k) => JSON.stringify(good.config[k]) === JSON.stringify(last.config[k]));
        e.expect(Boolean(sameConfig), `its config is ${GOOD}'s (besides backup.skipPreDeployFor)`, `the last update's config differs from ${GOOD}'s`);
        const exported = await exportedState(tooling(s, log), prod);
        e.expect(
            exported.apiImage?.endsWith(`:${GOOD}`) ?? false,
            `pulumi stack export: api image ${exported.apiImage}, ${exported.resources} resources`,
            `pulumi stack export: api image ${exported.apiImage}`,
        );
        e.expect(
            s.standIns!.slackTexts(prod).some((t) => /rolled back/i.test(t)),
            "Slack got prod's rollback message",
            "no rollback message on prod's Slack webhook",
        );
        return { detail: `${facts.join(" | ")} | ${e.done()}` };
    });

    await r.run("npm run rollback -- staging (by hand, to the previous good update)", (log) =>
        npmCommand(s, log, "rollback", [staging], 0, report("rollback-staging.json")),
    );

    await r.run(`check: staging runs ${GOOD} with ${GOOD}'s program again`, async (log) => {
        const fact = await checkStack(tooling(s, log), ns[staging], { tag: GOOD, maintenance: false, maintenanceHtml: goodHtml });
        const last = (await stackHistory(tooling(s, log), staging)).filter((h) => h.kind === "update").pop();
        const e = new Expectations();
        e.expect(
            Boolean(last?.message.startsWith("rollback to update #") && last.message.includes(`(commit ${s.baseCommit})`)),
            `last update: "${last?.message}"`,
            `last update of staging: "${last?.message}"`,
        );
        return { detail: `${fact}; ${e.done()}` };
    });

    // The rollback ran from a worktree: the copy's stack file still names BAD. A switch must not deploy that.
    await r.run(
        `npm run maintenance -- staging on, while Pulumi.staging.yaml still holds ${BAD}'s config: refused (exit 2 expected), nothing deployed`,
        async (log) => {
            const before = (await stackHistory(tooling(s, log), staging)).length;
            const run = await s.procs.run("npm", ["run", "-s", "maintenance", "--", staging, "on"], {
                cwd: s.l.copy,
                env: env(s),
                logFile: log,
                timeoutMs: 10 * 60_000,
            });
            const e = new Expectations();
            e.expect(run.code === 2, "exit 2", `exit ${run.code ?? run.signal}: ${run.stderr.trim().split("\n").slice(-3).join(" / ")}`);
            e.expect(
                run.stderr.includes(`ologywood:imageTag: "${BAD}" in Pulumi.staging.yaml, "${GOOD}" deployed`) &&
                    run.stderr.includes("pulumi config refresh --stack staging --force"),
                "the refusal names imageTag and the fix",
                `the refusal does not name imageTag and the fix: ${run.stderr.trim().slice(0, 300)}`,
            );
            const after = await stackHistory(tooling(s, log), staging);
            e.expect(after.length === before, "no update ran", `${after.length - before} update(s) ran`);
            return { detail: e.done() };
        },
    );

    // As the rollback's output says: further commands on the stack run from the commit it runs, with the deployed config.
    await r.run(
        `the project copy checks out ${GOOD}'s commit and takes the deployed config (pulumi config refresh), as the rollback's output says to`,
        async (log) => {
            const checkout = await s.procs.run("git", ["checkout", "-q", "--detach", s.baseCommit!], { cwd: s.l.copy, logFile: log });
            if (checkout.code !== 0) throw new Error(`git checkout failed: ${checkout.stderr.trim()}`);
            const refresh = await s.procs.run(s.tools.path.pulumi, ["config", "refresh", "--stack", staging, "--force"], {
                cwd: s.l.copy,
                env: env(s),
                logFile: log,
                timeoutMs: 120_000,
            });
            if (refresh.code !== 0) throw new Error(`pulumi config refresh failed: ${refresh.stderr.trim()}`);
            const tag = (await pulumiJson<{ value: string }>(tooling(s, log), ["config", "get", "ologywood:imageTag", "--json", "--stack", staging])).value;
            if (tag !== GOOD) throw new Error(`after pulumi config refresh, Pulumi.staging.yaml has imageTag ${tag}, expected ${GOOD}`);
            return { detail: `HEAD ${s.baseCommit!.slice(0, 12)}; Pulumi.staging.yaml has imageTag ${tag} again` };
        },
    );

    await r.run("npm run maintenance -- staging on", (log) => npmCommand(s, log, "maintenance", [staging, "on"], 0));
    await r.run("check: staging behind the maintenance page, still the same version", async (log) => {
        const fact = await checkStack(tooling(s, log), ns[staging], { tag: GOOD, maintenance: true, maintenanceHtml: goodHtml });
        const e = new Expectations();
        const health = await fetch(`${s.standIns!.stacks.get(staging)!.app.url}/health`);
        e.expect(health.status === 503, "the public URL answers 503 (maintenance page)", `the public URL answers ${health.status}`);
        return { detail: `${fact}; ${e.done()}` };
    });
    await r.run("npm run maintenance -- staging off", (log) => npmCommand(s, log, "maintenance", [staging, "off"], 0));
    await r.run("check: staging serves the API again", async (log) => {
        const fact = await checkStack(tooling(s, log), ns[staging], { tag: GOOD, maintenance: false, maintenanceHtml: goodHtml });
        const health = await fetch(`${s.standIns!.stacks.get(staging)!.app.url}/health`);
        const e = new Expectations();
        e.expect(health.status === 200, "the public URL answers 200", `the public URL answers ${health.status}`);
        return { detail: `${fact}; ${e.done()}` };
    });

    const backup = await backupName(s, ns[staging], staging);
    await r.run(`npm run db:restore -- staging --backup ${backup}`, (log) => npmCommand(s, log, "db:restore", [staging, "--backup", backup], 0));
    await r.run("check: after db:restore (the restore Job ran and was removed, workloads back, maintenance page off)", async (log) => {
        const fact = await checkStack(tooling(s, log), ns[staging], { tag: GOOD, maintenance: false, maintenanceHtml: goodHtml });
        const e = new Expectations();
        // The restore Job exists only while backup.restore is set: bringing the workloads back removes both.
        const jobs = (await s.procs.run(s.tools.path.kubectl, ["-n", ns[staging], "get", "jobs", "-o", "name"], { env: env(s), logFile: log })).stdout;
        e.expect(!/ologywood-db-restore-/.test(jobs), "the restore Job was removed with the restore request", `a restore Job is left: ${jobs.trim()}`);
        const updates = (await stackHistory(tooling(s, log), staging)).filter((h) => h.kind === "update");
        const restoreOf = (h: { config: Record<string, any> }) => h.config["ologywood:backup"]?.objectValue?.restore?.file;
        const ran = updates.find((h) => h.result === "succeeded" && restoreOf(h) === backup);
        e.expect(
            Boolean(ran),
            `update #${ran?.version} "${ran?.message}" ran the restore Job of ${backup} (the provider awaited it)`,
            `no succeeded update with backup.restore.file ${backup}`,
        );
        const last = updates[updates.length - 1];
        e.expect(
            Boolean(last && !restoreOf(last) && last.config["ologywood:paused"]?.value !== "true" && last.message.startsWith("db:restore")),
            `the last update ("${last?.message}") has no restore request and is not paused`,
            `the last update ("${last?.message}") still has the restore request or is paused`,
        );
        return { detail: `${fact}; ${e.done()}` };
    });
}

/**
 * The backup the restore names: the one GOOD's pre-deploy Job made on staging, named as
 * db-backup.sh names it (<database>_pre_deployment_<start, UTC>.dump). Kwok ran no container,
 * so no such file exists: the restore Job is simulated like every other pod (the report says so).
 */
async function backupName(s: Scenario, namespace: string, stack: string): Promise<string> {
    const jobs = await s.procs.run(s.tools.path.kubectl, ["-n", namespace, "get", "jobs", "-o", "json"], { env: env(s) });
    const job = (JSON.parse(jobs.stdout || '{"items":[]}').items as any[]).find((j) => j.metadata.name.includes(`pre-deploy-${GOOD.replace(/\./g, "-")}`));
    const started = new Date(job?.status?.startTime ?? Date.now());
    const stamp = started
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
    return `${databaseNameFor(stack)}_pre_deployment_${stamp}.dump`;
}

/** Every file under DIR, for every secret in every form (the report's text too). */
export async function scanStep(s: Scenario): Promise<RehearsalStep> {
    return s.recorder.run("check: no secret in DIR (backend, project copy, etcd's files, PostgreSQL's, every log), as is, URL-encoded or base64", async () => {
        const result = scanForSecrets(s.l.out, s.secrets, s.reportText ? { [path.basename(s.l.report)]: s.reportText() } : {});
        if (result.found.length > 0) throw new Error(`secrets found: ${result.found.slice(0, 20).join("; ")}`);
        return {
            detail: `${Object.keys(s.secrets).length} secrets (${Object.keys(s.secrets).join(", ")}) in none of ${result.files} files (${(result.bytes / 1e6).toFixed(1)} MB)`,
        };
    });
}
