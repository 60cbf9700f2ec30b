/**
 * The outside world of the rehearsal, on loopback: the app behind each stack's public URL,
 * Prometheus and a Slack webhook; the same stand-ins the tests use (tests/support/standins).
 *
 * The app follows the cluster: before answering (and every second besides) it asks the API server
 * what the stack runs (the api Deployment's image tag once its rollout is complete, and whether
 * the Ingress routes to the maintenance page's Service; an answer at most 200 ms old is reused)
 * and answers as that version, so every `pulumi up` the commands make changes what the smoke
 * tests and the bake gate see, as on a real cluster, from the first request after the update. Prometheus answers
 * the monitoring contract's recording rules from what the apps serve.
 */
import { randomBytes } from "crypto";
import { WORKLOADS } from "../components/shared/names";
import { AppBehaviour, StandInApp } from "../tests/support/standins/app";
import { StandInPrometheus } from "../tests/support/standins/prometheus";
import { StandInSlack } from "../tests/support/standins/slack";
import { seriesOf } from "../tests/support/standins/world";
import { KubeClient } from "./kube";

/** What the API server says a stack runs. */
export interface Deployed {
    version?: string;
    maintenance: boolean;
    rolloutComplete: boolean;
}

export interface StackWorld {
    stack: string;
    namespace: string;
    app: StandInApp;
    webhookUrl: string;
    /** Versions the app ran, in order, with when it switched (for the report). */
    history: { at: string; version?: string; maintenance: boolean }[];
}

export interface StandInsOptions {
    kube: KubeClient;
    token: string;
    stacks: { stack: string; namespace: string; behaviours: Record<string, AppBehaviour> }[];
    log: (line: string) => void;
}

/** How old an answer of the API server the app may act on. */
const FRESH_MS = 200;

export class StandIns {
    private timer?: NodeJS.Timeout;
    private following?: Promise<void>;
    private followedAt = 0;

    private constructor(
        readonly slack: StandInSlack,
        readonly prometheus: StandInPrometheus,
        readonly stacks: Map<string, StackWorld>,
        private readonly kube: KubeClient,
        private readonly log: (line: string) => void,
    ) {}

    static async start(o: StandInsOptions): Promise<StandIns> {
        const slack = await StandInSlack.start();
        const stacks = new Map<string, StackWorld>();
        // The apps ask before each answer; `self` exists by the time the first request comes.
        // eslint-disable-next-line prefer-const
        let self!: StandIns;
        for (const s of o.stacks) {
            const app = await StandInApp.start({ token: o.token, behaviours: s.behaviours, version: "none", beforeRequest: () => self.follow() });
            // The webhook's path is its secret, as Slack's are.
            const webhookUrl = `${slack.url}/services/T0REHEARSAL/B${s.stack.toUpperCase()}/${randomBytes(12).toString("hex")}`;
            stacks.set(s.stack, { stack: s.stack, namespace: s.namespace, app, webhookUrl, history: [] });
        }
        const prometheus = await StandInPrometheus.start((metric, labels) => {
            const world = [...stacks.values()].find((w) => w.namespace === labels.namespace);
            // No series before the stack runs anything, as Prometheus would answer.
            return world && world.app.version !== "none" ? seriesOf(world.app, metric) : "empty";
        });
        self = new StandIns(slack, prometheus, stacks, o.kube, o.log);
        await self.follow();
        self.timer = setInterval(() => void self.follow(), 1000);
        return self;
    }

    /** Messages the Slack stand-in received for a stack's webhook. */
    slackTexts(stack: string): string[] {
        return this.slack.received.filter((m) => m.path.includes(`/B${stack.toUpperCase()}/`)).map((m) => m.text);
    }

    async close(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await Promise.all([...[...this.stacks.values()].map((w) => w.app.close()), this.prometheus.close(), this.slack.close()]);
    }

    /** Reads what each stack runs and switches its app to it; one read at a time, reused while fresh. */
    follow(): Promise<void> {
        if (this.following) return this.following;
        if (Date.now() - this.followedAt < FRESH_MS) return Promise.resolve();
        this.following = this.read().finally(() => {
            this.followedAt = Date.now();
            this.following = undefined;
        });
        return this.following;
    }

    private async read(): Promise<void> {
        try {
            for (const world of this.stacks.values()) {
                const d = await deployedIn(this.kube, world.namespace);
                // Mid-rollout the old pods still serve: the app changes version when the rollout is complete.
                const version = d.rolloutComplete && d.version ? d.version : world.app.version;
                if (version !== world.app.version || d.maintenance !== world.app.maintenance) {
                    world.app.deploy(version, d.maintenance);
                    world.history.push({ at: new Date().toISOString(), version, maintenance: d.maintenance });
                    this.log(
                        `stand-in app of ${world.stack}: serving ${version}${d.maintenance ? " behind the maintenance page" : ""} (as the API server says)`,
                    );
                }
            }
        } catch {
            // The API server may be starting or stopping: the next second asks again.
        }
    }
}

/** The api Deployment's image tag and rollout, and the Ingress's backend, of a namespace. */
export async function deployedIn(kube: KubeClient, namespace: string): Promise<Deployed> {
    const deployment = await kube.get<any>(`/apis/apps/v1/namespaces/${namespace}/deployments/${WORKLOADS.api}`);
    const ingress = await kube.get<any>(`/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${WORKLOADS.api}`);
    const image: string | undefined = deployment?.spec?.template?.spec?.containers?.[0]?.image;
    const status = deployment?.status ?? {};
    const wanted = deployment?.spec?.replicas ?? 1;
    const rolloutComplete =
        Boolean(deployment) &&
        (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
        (status.updatedReplicas ?? 0) === wanted &&
        (status.replicas ?? 0) === wanted &&
        (status.availableReplicas ?? 0) === wanted;
    const backends: string[] = (ingress?.spec?.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service?.name));
    if (ingress?.spec?.defaultBackend?.service?.name) backends.push(ingress.spec.defaultBackend.service.name);
    return {
        version: image?.slice(image.lastIndexOf(":") + 1),
        maintenance: backends.length > 0 && backends.every((b) => b === WORKLOADS.maintenance),
        rolloutComplete,
    };
}
