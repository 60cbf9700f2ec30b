/**
 * A whole local world for running the release pipeline end to end without a cluster: FakeDriver
 * with the real stack files (secrets filled with placeholders, Slack and Prometheus pointing at
 * stand-ins), one stand-in app per stack that `up` switches to the deployed version, a stand-in
 * Prometheus whose series follow what each app does, a Slack webhook, a Mailpit, and a temporary
 * git repository with the program's history (two commits: the previous release and HEAD).
 * Used by the tests in tests/pipeline and by `npm run bench:release`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RECORDING_RULES } from "../../../metrics/contract";
import { SECRET_PATHS, toPulumiConfigMap } from "../../../config/load";
import { REPO_ROOT } from "../../../cli/frame";
import { applySets, fillSecretPlaceholders, readStackConfig } from "../../../render/stack-file";
import { Log } from "../../../pipeline/checks";
import { VirtualClock } from "../virtual-clock";
import { ClusterAccess } from "../../../pipeline/cluster";
import { ConfigMap, StackDriver } from "../../../pipeline/drivers/driver";
import { FakeDriver, RunOptions } from "../fake-driver";
import { LocalGit } from "../../../pipeline/git";
import { COMMIT_ENV, releaseMessage } from "../../../pipeline/history";
import { ReleaseDeps } from "../../../pipeline/release";
import { notifierFor } from "../../../pipeline/slack";
import { CommandRunner } from "../../../pipeline/workspace";
import { AppBehaviour, StandInApp } from "./app";
import { MAILPIT } from "../../../components/mailpit/spec";
import { StandInMailpit } from "./mailpit";
import { SeriesValue, StandInPrometheus } from "./prometheus";
import { StandInSlack } from "./slack";

export const WORLD_TOKEN = "world-test-token-4c7e9a1d";
/** The version running on every stack before the release under test. */
export const PREVIOUS_VERSION = "1.4.1";
/** In-cluster Prometheus address used by the stack files; the world maps it to the stand-in. */
const IN_CLUSTER_PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring:9090";

export interface WorldOptions {
    stacks?: string[];
    /** Behaviour of the app per version, on every stack. Unlisted versions are healthy. */
    behaviours?: Record<string, AppBehaviour>;
    /** Behaviour per version on one stack only (a version that fails on prod, not on staging). */
    stackBehaviours?: Record<string, Record<string, AppBehaviour>>;
    /** `pulumi config set --path` style overrides per stack, e.g. `release.bakeSeconds=60`. */
    sets?: Record<string, string[]>;
    /** Make `up` of these versions fail (after rolling them out) with this message. */
    upFailsFor?: Record<string, string>;
    /** Make `up` from a rollback worktree fail with this message. */
    rollbackUpFails?: string;
    /** Make `preview` of these versions fail with this message. */
    previewFailsFor?: Record<string, string>;
    /** A stack's Prometheus series at a (virtual) time, overriding what its app's behaviour implies. */
    series?: (stack: string, metric: string, at: number, version: string) => SeriesValue | undefined;
    /** Seed each stack with the previous release. @default true */
    seedHistory?: boolean;
    /** Give the stacks a Slack webhook. @default true */
    webhooks?: boolean;
    /** Extra delay per `up`, in virtual ms (the benchmark's model). */
    upVirtualMs?: (stack: string, options: RunOptions) => number;
    /** Extra delay of every other driver call (a Pulumi CLI call), in virtual ms; preview gets `previewMs`. */
    callVirtualMs?: number;
    previewVirtualMs?: number;
    /** The lockfile of HEAD differs from the previous release's (the rollback must `npm ci`). */
    lockfileChanged?: boolean;
}

export class World {
    readonly clock = new VirtualClock();
    readonly lines: string[] = [];
    readonly apps: Record<string, StandInApp> = {};
    readonly accessed: string[] = [];
    readonly npmRuns: string[] = [];
    driver!: FakeDriver;
    prometheus!: StandInPrometheus;
    slack!: StandInSlack;
    mailpit!: StandInMailpit;
    git!: LocalGit;
    /** Commits of the temporary repository: the previous release's and HEAD. */
    commits!: { previous: string; head: string };
    namespaces: Record<string, string> = {};
    readonly stacks: string[];

    private constructor(private readonly options: WorldOptions) {
        this.stacks = options.stacks ?? ["staging", "prod"];
    }

    static async create(options: WorldOptions = {}): Promise<World> {
        const w = new World(options);
        await w.start();
        return w;
    }

    /** Every line the pipeline printed. */
    get output(): string {
        return this.lines.join("\n");
    }

    log: Log = (line) => this.lines.push(line);

    deps(overrides: Partial<ReleaseDeps> = {}): ReleaseDeps {
        const runner: CommandRunner = async (command, args, cwd) => {
            this.npmRuns.push(`${command} ${args.join(" ")} in ${cwd}`);
            fs.mkdirSync(path.join(cwd, "node_modules"), { recursive: true });
        };
        const clusterAccess: ClusterAccess = async (url) => {
            this.accessed.push(url);
            const ns = Object.entries(this.namespaces).find(([, n]) => url.includes(`.${n}:`));
            const mapped = url === IN_CLUSTER_PROMETHEUS ? this.prometheus.url : ns && url.includes("mailpit") ? this.mailpit.url : url;
            return { url: mapped, via: "direct", close: () => undefined };
        };
        return {
            driver: this.slowed(this.driver),
            openDriver: (dir) => this.slowed(this.driver.at(dir)),
            git: this.git,
            clock: this.clock,
            log: this.log,
            notifierFor: (config, log) => notifierFor(config.slack, log, this.slack.transport(), this.clock),
            clusterAccess,
            runner,
            ...overrides,
        };
    }

    /** The driver with the modelled duration of each Pulumi call added (nothing when no model). */
    private slowed(driver: StackDriver): StackDriver {
        const { callVirtualMs = 0, previewVirtualMs = 0 } = this.options;
        if (!callVirtualMs && !previewVirtualMs) return driver;
        const wait = (ms: number) => this.clock.sleep(ms);
        return {
            preview: async (stack, o) => (await wait(previewVirtualMs), driver.preview(stack, o)),
            up: (stack, o) => driver.up(stack, o),
            history: async (stack) => (await wait(callVirtualMs), driver.history(stack)),
            getAllConfig: async (stack) => (await wait(callVirtualMs), driver.getAllConfig(stack)),
            setConfig: async (stack, key, value, o) => (await wait(callVirtualMs), driver.setConfig(stack, key, value, o)),
            setAllConfig: async (stack, config) => (await wait(callVirtualMs), driver.setAllConfig(stack, config)),
            removeConfig: async (stack, key, o) => (await wait(callVirtualMs), driver.removeConfig(stack, key, o)),
            outputs: async (stack) => (await wait(callVirtualMs), driver.outputs(stack)),
        };
    }

    /** The Slack messages received for a stack's webhook (or every message). */
    slackTexts(stack?: string): string[] {
        return this.slack.received.filter((m) => !stack || m.path.includes(`/B${stack.toUpperCase()}/`)).map((m) => m.text);
    }

    /** The versions an app ran, in order of the `up` calls on its stack. */
    upsOn(stack: string): { message?: string; workDir?: string }[] {
        return this.driver.calls.filter((c) => c.stack === stack && c.method === "up").map((c) => c.detail as { message?: string; workDir?: string });
    }

    async close(): Promise<void> {
        await Promise.all([...Object.values(this.apps).map((a) => a.close()), this.prometheus?.close(), this.slack?.close(), this.mailpit?.close()]);
        if (this.git) fs.rmSync(this.git.root, { recursive: true, force: true });
    }

    private async start(): Promise<void> {
        const o = this.options;
        this.mailpit = await StandInMailpit.start();
        this.slack = await StandInSlack.start();
        for (const stack of this.stacks) {
            this.apps[stack] = await StandInApp.start({
                token: WORLD_TOKEN,
                mailpit: this.mailpit,
                version: PREVIOUS_VERSION,
                behaviours: { ...(o.behaviours ?? {}), ...(o.stackBehaviours?.[stack] ?? {}) },
            });
        }
        this.prometheus = await StandInPrometheus.start(
            (metric, labels) => {
                const stack = Object.keys(this.namespaces).find((s) => this.namespaces[s] === labels.namespace);
                if (!stack) return "empty";
                const at = this.clock.now();
                return o.series?.(stack, metric, at, this.apps[stack].version) ?? seriesOf(this.apps[stack], metric);
            },
            () => this.clock.now(),
        );
        this.git = new LocalGit(makeRepo(Boolean(o.lockfileChanged)));
        this.commits = {
            previous: execFileSync("git", ["rev-parse", "HEAD~1"], { cwd: this.git.root, encoding: "utf8" }).trim(),
            head: await this.git.head(),
        };

        const stacks: Record<string, ConfigMap> = {};
        for (const stack of this.stacks) {
            const config = stackConfig(stack, o.webhooks !== false, [
                `imageTag=${PREVIOUS_VERSION}`,
                // Without a webhook the stack cannot run monitoring (Alertmanager posts alerts to Slack).
                ...(o.webhooks === false
                    ? ["monitoring.enabled=false"]
                    : [`slack.webhookUrl=https://hooks.slack.com/services/T0000/B${stack.toUpperCase()}/w3bh00k-s3cret-${stack}`]),
                ...(o.sets?.[stack] ?? []),
            ]);
            stacks[stack] = config;
            this.namespaces[stack] = config["ologywood:namespace"].value;
        }
        this.driver = new FakeDriver({
            stacks,
            outputs: Object.fromEntries(
                this.stacks.map((s) => [
                    s,
                    {
                        url: { value: this.apps[s].url, secret: false },
                        // As the program exports it when the stack runs Mailpit (components/mailpit apiUrl).
                        ...(JSON.parse(stacks[s]["ologywood:mailpit"]?.value ?? "{}").enabled === true
                            ? { mailCatcherUrl: { value: `http://${MAILPIT.name}.${this.namespaces[s]}:${MAILPIT.httpPort}`, secret: false } }
                            : {}),
                    },
                ]),
            ),
            failPreview: (_stack, config) => {
                const message = o.previewFailsFor?.[config["ologywood:imageTag"]?.value];
                return message ? new Error(message) : undefined;
            },
            failUp: (stack, config, options) => {
                if (options.workDir && o.rollbackUpFails) return new Error(o.rollbackUpFails);
                const version = config["ologywood:imageTag"]?.value;
                const message = options.workDir ? undefined : o.upFailsFor?.[version];
                if (!message) return undefined;
                // The rollout happened; the post-deploy check is what failed.
                this.apps[stack].deploy(version, config["ologywood:maintenance"]?.value === "true");
                return new Error(message);
            },
            onUp: async (stack, config, options) => {
                if (o.upVirtualMs) await this.clock.sleep(o.upVirtualMs(stack, options));
                this.apps[stack].deploy(config["ologywood:imageTag"].value, config["ologywood:maintenance"]?.value === "true");
            },
        });
        if (o.seedHistory !== false) {
            for (const stack of this.stacks) {
                this.driver.seedUpdate(stack, {
                    message: releaseMessage(PREVIOUS_VERSION, this.commits.previous),
                    environment: { [COMMIT_ENV]: this.commits.previous },
                    config: stacks[stack],
                });
            }
        }
    }
}

/** What Prometheus's recording rules would show for an app: errors and latency it serves. */
export function seriesOf(app: StandInApp, metric: string): SeriesValue | undefined {
    const b = app.behaviour;
    // Under the maintenance page no request reaches the API Service: 0/0.
    if (app.maintenance && metric === RECORDING_RULES.errorRatio("5m")) return "NaN";
    if (metric === RECORDING_RULES.errorRatio("5m")) {
        if (b.prometheus?.errorRatio !== undefined) return b.prometheus.errorRatio;
        if (b.healthStatus && b.healthStatus >= 500) return 1;
        return b.failEvery ? 1 / b.failEvery : b.createStatus && b.createStatus >= 500 ? 0.3 : 0.0003;
    }
    if (metric === RECORDING_RULES.latencyP95) return b.prometheus?.latencyP95 ?? ((b.latencyMs ?? 0) + 80) / 1000;
    if (metric === RECORDING_RULES.dbConnectionRatio) return 0.2;
    return undefined;
}

/** A stack file through the render's reader, as FakeDriver config (secrets flagged). */
function stackConfig(stack: string, webhook: boolean, sets: string[]): ConfigMap {
    const { raw } = readStackConfig(REPO_ROOT, stack);
    const { raw: filled } = fillSecretPlaceholders(applySets(raw, sets));
    if (!webhook) delete (filled.slack as { webhookUrl?: string }).webhookUrl;
    return Object.fromEntries(
        Object.entries(toPulumiConfigMap(filled)).map(([key, value]) => {
            const name = key.slice("ologywood:".length);
            // Pulumi marks a structured key secret when any value inside it is.
            const secret = SECRET_PATHS.some((p) => p === name || p.startsWith(`${name}.`));
            return [key, { value, secret }];
        }),
    );
}

/** A git repository with the program's history: the previous release, then HEAD. */
function makeRepo(lockfileChanged: boolean): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-world-"));
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    git("init", "-q", "-b", "main");
    git("config", "user.email", "pipeline@test.invalid");
    git("config", "user.name", "pipeline tests");
    fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules\n");
    fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, v: 1 }));
    fs.writeFileSync(path.join(dir, "index.ts"), "// program of the previous release\n");
    // What a rollback reads of the target's program: which config keys it takes.
    fs.mkdirSync(path.join(dir, "docs"));
    fs.copyFileSync(path.join(REPO_ROOT, "docs", "config-reference.md"), path.join(dir, "docs", "config-reference.md"));
    for (const f of fs.readdirSync(REPO_ROOT).filter((f) => /^Pulumi\..*yaml$/.test(f))) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
    git("add", "-A");
    git("commit", "-q", "-m", "previous release");
    fs.writeFileSync(path.join(dir, "index.ts"), "// program of the release under test\n");
    if (lockfileChanged) fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, v: 2 }));
    git("commit", "-q", "-am", "release under test");
    fs.mkdirSync(path.join(dir, "node_modules"));
    return dir;
}
