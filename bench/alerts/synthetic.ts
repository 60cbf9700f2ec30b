/**
 * Synthetic series for the alert benchmark: what ingress-nginx, json_exporter (the app's JSON),
 * postgres_exporter, kube-state-metrics and cert-manager would report for one stack, sampled every
 * scrape interval (the contract's SCRAPE_INTERVAL unless a Sampling says otherwise: the ingress may
 * be scraped more often than the rest). Seeded, so every run sees the same traffic.
 *
 * Healthy traffic: diurnal load (3 to 30 req/s), 0.02 % 5xx with Poisson noise, 1 % 404s,
 * lognormal latency (p95 about 0.45 s), database at 15-30 % of max_connections, a small email
 * queue, nightly backups, a certificate with 60 days left. On top of that, "brief spikes" that a
 * healthy system has and that must not page anyone (see HEALTHY_SPIKES).
 */
import {
    CERT_MANAGER_METRICS as CM,
    JOBS,
    KUBE_STATE_METRICS as KSM,
    METRICS,
    PROMETHEUS_METRICS,
    SCRAPE_INTERVAL_SECONDS,
    SLI_SERVICE,
} from "../../metrics/contract";
import { BACKUP_CRONJOBS, WORKLOADS } from "../../components/shared/names";

/** How often each source is scraped, in seconds. `others` must be a multiple of `ingress`. */
export interface Sampling {
    ingress: number;
    others: number;
}
export const CONTRACT_SAMPLING: Sampling = { ingress: SCRAPE_INTERVAL_SECONDS, others: SCRAPE_INTERVAL_SECONDS };
/** Requests are simulated in slices this long, so a change between two scrapes shows up partly. */
const SLICE_SECONDS = 5;
/** The app reports its error rate and p95 over the last minute. */
const APP_WINDOW_SECONDS = 60;
/** ingress-nginx's default request duration buckets. */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LATENCY_SIGMA = 0.8;
const HEALTHY_P95 = 0.45;
const BASE_ERROR_RATIO = 0.0002;
const PODS = ["ologywood-api-7d9f-a", "ologywood-api-7d9f-b", "ologywood-api-7d9f-c"];

/** What the system does at a moment; scenarios override parts of the healthy state. */
export interface State {
    rps: number;
    errorRatio: number;
    p95: number;
    dbConnectionRatio: number;
    emailQueue: number;
}

export interface Scenario {
    name: string;
    /** Length of the series. */
    seconds: number;
    /** Changes the healthy state at time t (seconds from the start). */
    override?: (t: number, s: State) => State;
}

/** Brief spikes of a healthy day: [start hour, seconds, what]. None of them may raise an alert. */
export const HEALTHY_SPIKES: { at: number; seconds: number; what: string; apply: (s: State) => State }[] = [
    { at: 3.2, seconds: 30, what: "30 s of 5 % 5xx (pods replaced during a rollout)", apply: (s) => ({ ...s, errorRatio: 0.05 }) },
    { at: 9.5, seconds: 30, what: "30 s of 20 % 5xx (an upstream reset)", apply: (s) => ({ ...s, errorRatio: 0.2 }) },
    { at: 11.1, seconds: 60, what: "60 s of 2 % 5xx (a node drained)", apply: (s) => ({ ...s, errorRatio: 0.02 }) },
    { at: 14.4, seconds: 60, what: "60 s of p95 = 4 s (garbage collection, cold caches)", apply: (s) => ({ ...s, p95: 4 }) },
    { at: 16.7, seconds: 90, what: "90 s of p95 = 3 s (a slow report query)", apply: (s) => ({ ...s, p95: 3 }) },
    { at: 18.2, seconds: 180, what: "3 min with 150 emails queued (a newsletter batch)", apply: (s) => ({ ...s, emailQueue: 150 }) },
    { at: 20.3, seconds: 120, what: "2 min at 93 % of max_connections (a batch job)", apply: (s) => ({ ...s, dbConnectionRatio: 0.93 }) },
];

export function healthyState(t: number): State {
    const hour = (t / 3600) % 24;
    const day = hour >= 6 && hour <= 22 ? Math.pow(Math.sin((Math.PI * (hour - 6)) / 16), 1.5) : 0;
    return { rps: 3 + 27 * day, errorRatio: BASE_ERROR_RATIO, p95: HEALTHY_P95, dbConnectionRatio: 0.15 + 0.15 * day, emailQueue: 2 + 6 * day };
}

export function healthyWithSpikes(t: number): State {
    let s = healthyState(t);
    for (const spike of HEALTHY_SPIKES) {
        const start = spike.at * 3600;
        if (t > start && t <= start + spike.seconds) s = spike.apply(s);
    }
    return s;
}

/** mulberry32: small, seeded, good enough for noise. */
function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function poisson(rand: () => number, mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
    const l = Math.exp(-mean);
    let k = 0,
        p = 1;
    do {
        k++;
        p *= rand();
    } while (p > l);
    return k - 1;
}

function gaussian(rand: () => number): number {
    return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26). */
function phi(x: number): number {
    const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
    return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Fraction of requests faster than `le` seconds when the latency is lognormal with this p95. */
function fasterThan(le: number, p95: number): number {
    const mu = Math.log(p95) - 1.645 * LATENCY_SIGMA;
    return phi((Math.log(le) - mu) / LATENCY_SIGMA);
}

export interface Series {
    series: string;
    values: string;
}

const labels = (l: Record<string, string>) =>
    `{${Object.entries(l)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}}`;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ""));

/**
 * Every input series of a scenario, in promtool's input_series form, one value per
 * `sampling.ingress` seconds (promtool's test interval); the other sources have a sample every
 * `sampling.others` seconds and "_" (no sample) in between.
 */
export function generate(namespace: string, scenario: Scenario, seed = 42, sampling: Sampling = CONTRACT_SAMPLING): Series[] {
    const rand = rng(seed);
    const step = sampling.ingress;
    if (sampling.others % step !== 0 || step % SLICE_SECONDS !== 0)
        throw new Error(
            `sampling ${JSON.stringify(sampling)}: the other sources' interval must be a multiple of the ingress's, and that of ${SLICE_SECONDS} s`,
        );
    const slices = step / SLICE_SECONDS;
    const steps = Math.floor(scenario.seconds / step) + 1;
    const state = (t: number) => (scenario.override ? scenario.override(t, healthyWithSpikes(t)) : healthyWithSpikes(t));
    const out: Map<string, (number | "_")[]> = new Map();
    let scraped = true;
    const push = (name: string, l: Record<string, string>, v: number) => {
        const key = `${name}${labels(l)}`;
        const arr = out.get(key) ?? [];
        arr.push(scraped ? v : "_");
        out.set(key, arr);
    };
    const ingress = { namespace, ingress: SLI_SERVICE, service: SLI_SERVICE, method: "POST" };
    const counters = { ok: 1_000_000, notFound: 10_000, error: 200, buckets: BUCKETS.map(() => 0), inf: 0 };
    const podHistory = PODS.map(() => [] as { req: number; err: number }[]);

    for (let i = 0; i < steps; i++) {
        const t = i * step;
        // The counters at t hold what happened during (t - step, t], simulated in 5 s slices so that
        // a change between two scrapes shows up partly, as it would in a real cluster.
        const s = state(t);
        scraped = true;
        if (i > 0) {
            let n = 0,
                err = 0;
            for (let k = 0; k < slices; k++) {
                const sub = state(t - step + (k + 0.5) * SLICE_SECONDS);
                const nk = poisson(rand, sub.rps * SLICE_SECONDS);
                const noisyRatio = sub.errorRatio === BASE_ERROR_RATIO ? sub.errorRatio * Math.exp(0.5 * gaussian(rand)) : sub.errorRatio;
                const ek = Math.min(nk, poisson(rand, nk * noisyRatio));
                const p95 = sub.p95 * Math.exp(0.1 * gaussian(rand));
                BUCKETS.forEach((le, b) => {
                    counters.buckets[b] += Math.round(nk * fasterThan(le, p95));
                });
                n += nk;
                err += ek;
            }
            const nf = poisson(rand, n * 0.01);
            counters.error += err;
            counters.notFound += nf;
            counters.ok += n - err - nf;
            counters.inf += n;
            podHistory.forEach((h, p) => h.push({ req: Math.round(n / PODS.length), err: Math.round(err / PODS.length + (p === 0 ? err % PODS.length : 0)) }));
        }
        push(METRICS.ingressRequests, { ...ingress, status: "200" }, counters.ok);
        push(METRICS.ingressRequests, { ...ingress, status: "404" }, counters.notFound);
        push(METRICS.ingressRequests, { ...ingress, status: "500" }, counters.error);
        BUCKETS.forEach((le, b) =>
            push(METRICS.ingressRequestDurationBucket, { namespace, ingress: SLI_SERVICE, service: SLI_SERVICE, le: String(le) }, counters.buckets[b]),
        );
        push(METRICS.ingressRequestDurationBucket, { namespace, ingress: SLI_SERVICE, service: SLI_SERVICE, le: "+Inf" }, counters.inf);

        // Every other source is scraped less often: no sample in between.
        scraped = t % sampling.others === 0;
        // The app's JSON, per pod: its own error rate and p95 over the last minute.
        PODS.forEach((pod, p) => {
            const app = { namespace, job: JOBS.appMetrics, pod };
            const last = podHistory[p].slice(-APP_WINDOW_SECONDS / step);
            const req = last.reduce((a, x) => a + x.req, 0);
            const errs = last.reduce((a, x) => a + x.err, 0);
            push(METRICS.appErrorRate, app, req > 0 ? errs / req : 0);
            push(METRICS.appResponseTimeP95, app, s.p95 * Math.exp(0.15 * gaussian(rand)));
            push(METRICS.appDbConnections, app, Math.round(10 + 3 * gaussian(rand)));
            push(METRICS.appEmailQueueSize, app, Math.max(0, Math.round(s.emailQueue + Math.sqrt(s.emailQueue) * gaussian(rand))));
            push(PROMETHEUS_METRICS.up, { namespace, job: JOBS.appMetrics, pod, instance: `${pod}:3000` }, 1);
        });
        push(PROMETHEUS_METRICS.up, { namespace, job: JOBS.jsonExporter, instance: "json-exporter:7979" }, 1);
        push(PROMETHEUS_METRICS.up, { namespace, job: JOBS.postgresExporter, instance: "postgres-exporter:9187" }, 1);

        // postgres_exporter.
        const pg = { namespace, job: JOBS.postgresExporter };
        push(METRICS.pgUp, pg, 1);
        push(METRICS.pgMaxConnections, pg, 200);
        push(METRICS.pgActivityCount, { ...pg, datname: "ologywood", state: "active" }, Math.round(200 * s.dbConnectionRatio * 0.3));
        push(METRICS.pgActivityCount, { ...pg, datname: "ologywood", state: "idle" }, Math.round(200 * s.dbConnectionRatio * 0.7));

        // kube-state-metrics.
        const replicas: [string, number][] = [
            [WORKLOADS.api, 3],
            [WORKLOADS.worker, 2],
            [WORKLOADS.email, 2],
        ];
        for (const [deployment, n] of replicas) {
            push(KSM.deploymentSpecReplicas, { namespace, deployment }, n);
            push(KSM.deploymentAvailableReplicas, { namespace, deployment }, n);
        }
        // Nightly backup at 02:00 that takes 10 minutes; the previous one finished yesterday.
        const day = Math.floor((t - 2 * 3600 - 600) / 86400);
        push(KSM.cronJobLastSuccessfulTime, { namespace, cronjob: BACKUP_CRONJOBS.backup }, day * 86400 + 2 * 3600 + 600);
        push(KSM.cronJobCreated, { namespace, cronjob: BACKUP_CRONJOBS.backup }, -30 * 86400);
        push(CM.certificateExpiration, { namespace, name: "ologywood-api-tls" }, 60 * 86400);
    }
    return [...out.entries()].map(([series, values]) => ({ series, values: values.map((v) => (v === "_" ? v : fmt(v))).join(" ") }));
}
