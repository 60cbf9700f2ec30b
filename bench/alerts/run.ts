/**
 * `npm run bench:alerts`: how fast do the alerts fire, and do they stay quiet on a healthy day?
 *
 * Runs the real promtool on the real rules (the pure builder's output) over synthetic series
 * (synthetic.ts): for each incident, 2 h of healthy traffic, then the incident from a random
 * point between two scrapes (six phases, 5 s apart); the time from onset to the first critical
 * and the first warning alert is read back from promtool's ALERTS series. Then 24 h of healthy
 * traffic with noise and brief spikes, counting every alert that fired.
 *
 * Baseline, from the deployment plan: a person running `curl /metrics | jq` every 5 minutes
 * notices on average 2.5 min after onset, at worst 5 min (ignoring the time to react).
 *
 * Options:
 *   --only <text>           the incidents whose name contains it (and no healthy day)
 *   --seeds <n>             every incident and the healthy day with n noise seeds (default 1): the
 *                           worst case over more onsets than six
 *   --ingress-scrape <dur>  also run everything with ingress-nginx scraped this often (the other
 *                           sources stay at the contract's SCRAPE_INTERVAL), same rules, same run
 *   --verbose               every alert of every run
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { RULE_EVALUATION_INTERVAL } from "../../metrics/contract";
import { parseGotSamples, promtool, promtoolAsync } from "../../tests/support/promtool";
import { durationSeconds } from "../../components/monitoring/promql";
import { buildPrometheusRuleSpec } from "../../components/monitoring/rule-builder";
import { RuleSettings } from "../../components/monitoring/rule-types";
import { maxCronIntervalSeconds } from "../../components/monitoring/cron";
import { CONTRACT_SAMPLING, generate, HEALTHY_SPIKES, healthyState, Sampling, Scenario, State } from "./synthetic";

const NAMESPACE = "ologywood-bench";
const WARMUP = 2 * 3600;
const AFTER_ONSET = 20 * 60;
const PHASES = [0, 5, 10, 15, 20, 25];
const BASELINE = { mean: 150, worst: 300 };
const EVAL_OFFSET = durationSeconds(RULE_EVALUATION_INTERVAL);

function option(name: string): string | undefined {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
}
const VERBOSE = process.argv.includes("--verbose");
const ONLY = option("--only");
const SEEDS = Number(option("--seeds") ?? 1);
const INGRESS_SCRAPE = option("--ingress-scrape");
if (!Number.isInteger(SEEDS) || SEEDS < 1) {
    console.error(`--seeds: expected a whole number of noise seeds >= 1, got ${option("--seeds")}`);
    process.exit(2);
}

const settings: RuleSettings = {
    namespace: NAMESPACE,
    backupMaxAgeSeconds: maxCronIntervalSeconds("0 2 * * *") + 3600 + 1800,
};

/** `onsetHour`: time of day of the onset; 02:00 is the quietest traffic (3 req/s), 14:00 the busiest (30 req/s). */
interface Incident {
    name: string;
    onsetHour: number;
    change: (s: State) => State;
}
const errors = (ratio: number) => (s: State) => ({ ...s, errorRatio: ratio });
const ALL_INCIDENTS: Incident[] = [
    { name: "5xx 0.5 % (02:00, 3 req/s)", onsetHour: 2, change: errors(0.005) },
    { name: "5xx 0.5 % (14:00, 30 req/s)", onsetHour: 14, change: errors(0.005) },
    { name: "5xx 2 % (02:00, 3 req/s)", onsetHour: 2, change: errors(0.02) },
    { name: "5xx 2 % (14:00, 30 req/s)", onsetHour: 14, change: errors(0.02) },
    { name: "5xx 5 %", onsetHour: 2, change: errors(0.05) },
    { name: "5xx 20 %", onsetHour: 2, change: errors(0.2) },
    { name: "p95 3 s", onsetHour: 2, change: (s) => ({ ...s, p95: 3 }) },
    { name: "p95 6 s", onsetHour: 2, change: (s) => ({ ...s, p95: 6 }) },
];
const INCIDENTS = ALL_INCIDENTS.filter((i) => !ONLY || i.name.includes(ONLY));
/** The plan pages (rollback criterion) from 1 % errors; below that only a warning is expected. */
const pageExpected = (i: Incident) => !/^5xx 0\.5 %/.test(i.name) && i.name !== "p95 3 s";

interface Variant {
    name: string;
    sampling: Sampling;
}
interface Firing {
    alertname: string;
    severity: string;
    at: number;
}
interface Row {
    incident: Incident;
    critical: number[];
    warning: number[];
    names: Set<string>;
    misses: string[];
}
interface Day {
    seed: number;
    fired: { alertname: string; severity: string; count: number }[];
    pending: { alertname: string; count: number }[];
}

let runs = 0;

async function runPromtool(
    dir: string,
    scenario: Scenario,
    sampling: Sampling,
    seed: number,
    queries: Record<string, string>,
): Promise<Map<string, ReturnType<typeof parseGotSamples>>> {
    const evalTime = `${scenario.seconds}s`;
    const test = {
        rule_files: ["rules.yml"],
        evaluation_interval: RULE_EVALUATION_INTERVAL,
        tests: [
            {
                interval: `${sampling.ingress}s`,
                input_series: generate(NAMESPACE, scenario, seed, sampling),
                // Deliberately empty expectations: promtool then prints what it got.
                promql_expr_test: Object.values(queries).map((expr) => ({ expr, eval_time: evalTime, exp_samples: [] })),
            },
        ],
    };
    const name = `bench-${++runs}.test.yml`;
    writeFileSync(join(dir, name), stringify(test, { lineWidth: 0 }));
    const r = await promtoolAsync(["test", "rules", name], dir);
    if (r.status !== 0 && !r.output.includes("got:")) throw new Error(`promtool failed:\n${r.output}`);
    const out = new Map<string, ReturnType<typeof parseGotSamples>>();
    for (const [key, expr] of Object.entries(queries)) out.set(key, parseGotSamples(r.output, `expr: ${JSON.stringify(expr)}`));
    return out;
}

/** When each alert first fired, in seconds after `origin` (read back in evaluation steps: promtool prints 3 digits). */
async function firstFirings(dir: string, scenario: Scenario, sampling: Sampling, seed: number, origin: number): Promise<Firing[]> {
    const expr = `(min by (alertname, severity) (min_over_time(timestamp(ALERTS{alertstate="firing"})[${scenario.seconds}s:${RULE_EVALUATION_INTERVAL}])) - ${origin}) / ${EVAL_OFFSET}`;
    const got = (await runPromtool(dir, scenario, sampling, seed, { first: expr })).get("first") ?? [];
    return got.map((g) => ({ alertname: g.labels.alertname, severity: g.labels.severity, at: g.value * EVAL_OFFSET }));
}

/** Runs `jobs` with at most `limit` promtool processes at a time (one per core). */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(limit, jobs.length) }, async () => {
            while (next < jobs.length) {
                const i = next++;
                results[i] = await jobs[i]();
            }
        }),
    );
    return results;
}

async function measureIncident(dir: string, incident: Incident, variant: Variant): Promise<Row> {
    const row: Row = { incident, critical: [], warning: [], names: new Set(), misses: [] };
    // Series start WARMUP before the onset; `clock` shifts them to the incident's time of day.
    const clock = incident.onsetHour * 3600 - WARMUP;
    const runsOf = Array.from({ length: SEEDS }, (_, s) => PHASES.map((phase) => ({ seed: 42 + s, phase }))).flat();
    const results = await pool(
        runsOf.map(({ seed, phase }) => async () => {
            const onset = WARMUP + phase;
            const scenario: Scenario = {
                name: `${incident.name} +${phase}s${SEEDS > 1 ? ` seed ${seed}` : ""}`,
                seconds: WARMUP + AFTER_ONSET,
                // Warm-up without spikes, so the only change is the incident.
                override: (t) => {
                    const healthy = healthyState(t + clock);
                    return t >= onset ? incident.change(healthy) : healthy;
                },
            };
            return { scenario, firings: await firstFirings(dir, scenario, variant.sampling, seed, onset) };
        }),
        2,
    );
    for (const { scenario, firings } of results) {
        const early = firings.filter((f) => f.at < 0);
        if (early.length) throw new Error(`${variant.name}, ${scenario.name}: alerts fired before the onset: ${early.map((f) => f.alertname).join(", ")}`);
        const first = (sev: string) => firings.filter((f) => f.severity === sev).sort((a, b) => a.at - b.at)[0];
        const c = first("critical"),
            w = first("warning");
        if (VERBOSE) console.log(`${variant.name}, ${scenario.name}: ${firings.map((f) => `${f.alertname} ${mmss(f.at)}`).join(", ")}`);
        if (c) {
            row.critical.push(c.at);
            row.names.add(c.alertname);
        }
        if (w) row.warning.push(w.at);
        if ((pageExpected(incident) && !c) || !w) row.misses.push(`${scenario.name}: no ${!w ? "warning" : "critical alert"} within ${mmss(AFTER_ONSET)}`);
    }
    return row;
}

async function healthyDay(dir: string, variant: Variant, seed: number): Promise<Day> {
    const day: Scenario = { name: "healthy day", seconds: 24 * 3600 };
    const got = await runPromtool(dir, day, variant.sampling, seed, {
        episodes: `sum by (alertname, severity) (count_over_time((ALERTS{alertstate="firing"} unless ALERTS{alertstate="firing"} offset ${RULE_EVALUATION_INTERVAL})[24h:${RULE_EVALUATION_INTERVAL}]))`,
        pending: `sum by (alertname) (count_over_time(ALERTS{alertstate="pending"}[24h]))`,
    });
    return {
        seed,
        fired: (got.get("episodes") ?? []).map((f) => ({ alertname: f.labels.alertname, severity: f.labels.severity, count: f.value })),
        pending: (got.get("pending") ?? []).map((p) => ({ alertname: p.labels.alertname, count: p.value })),
    };
}

const mmss = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Mean adds half, worst a whole evaluation interval: the offset between scraping and rule evaluation in a cluster. */
const fmtTimes = (xs: number[]) => (xs.length ? `${mmss(mean(xs) + EVAL_OFFSET / 2)} / ${mmss(Math.max(...xs) + EVAL_OFFSET)}` : "none");
const ratio = (xs: number[]) =>
    xs.length ? `${((mean(xs) + EVAL_OFFSET / 2) / BASELINE.mean).toFixed(2)} / ${((Math.max(...xs) + EVAL_OFFSET) / BASELINE.worst).toFixed(2)}` : "-";

function printRows(rows: Row[]): void {
    const header = ["incident", "first critical alert", "critical mean / worst", "warning mean / worst", "baseline mean / worst", "ratio mean / worst"];
    printTable([
        header,
        ...rows.map((r) => [
            r.incident.name,
            r.critical.length ? [...r.names].join(",") : "(none)",
            fmtTimes(r.critical),
            fmtTimes(r.warning),
            `${mmss(BASELINE.mean)} / ${mmss(BASELINE.worst)}`,
            ratio(r.critical.length ? r.critical : r.warning),
        ]),
    ]);
    const misses = rows.flatMap((r) => r.misses);
    if (misses.length) console.log(`Missed: ${misses.join("; ")}`);
}

async function main(): Promise<void> {
    const variants: Variant[] = [{ name: `scrape ${CONTRACT_SAMPLING.ingress}s`, sampling: CONTRACT_SAMPLING }];
    if (INGRESS_SCRAPE) {
        const ingress = durationSeconds(INGRESS_SCRAPE);
        variants.push({ name: `ingress scraped every ${ingress}s`, sampling: { ingress, others: CONTRACT_SAMPLING.others } });
    }
    const dir = mkdtempSync(join(tmpdir(), "ologywood-bench-alerts-"));
    try {
        writeFileSync(join(dir, "rules.yml"), stringify(buildPrometheusRuleSpec(settings), { lineWidth: 0 }));
        const check = promtool(["check", "rules", "rules.yml"], dir);
        if (check.status !== 0) throw new Error(`promtool check rules failed:\n${check.output}`);

        const summary: string[] = [];
        for (const variant of variants) {
            const rows: Row[] = [];
            for (const incident of INCIDENTS) rows.push(await measureIncident(dir, incident, variant));
            console.log(
                `\n## ${variant.name} (other sources every ${variant.sampling.others}s), rules every ${RULE_EVALUATION_INTERVAL}; ` +
                    `${PHASES.length} onset phases${SEEDS > 1 ? ` x ${SEEDS} noise seeds` : ""}\n`,
            );
            printRows(rows);
            const pages = rows.filter((r) => /^5xx/.test(r.incident.name) && pageExpected(r.incident));
            const warns = rows.filter((r) => /^5xx 0\.5 %/.test(r.incident.name));
            let line =
                `${variant.name}: critical for >= 2 % errors (mean / worst): ${pages.map((r) => `${r.incident.name} ${fmtTimes(r.critical)}`).join("; ")}` +
                `${warns.length ? `; first warning for 0.5 %: ${warns.map((r) => `${r.incident.name} ${fmtTimes(r.warning)}`).join("; ")}` : ""}`;
            if (!ONLY) {
                const days = await pool(
                    Array.from({ length: SEEDS }, (_, s) => () => healthyDay(dir, variant, 42 + s)),
                    2,
                );
                console.log(
                    `\nHealthy day (24 h, diurnal 3-30 req/s, noise, ${HEALTHY_SPIKES.length} brief spikes${SEEDS > 1 ? `; ${SEEDS} noise seeds` : ""}):`,
                );
                for (const s of HEALTHY_SPIKES) console.log(`  - at ${s.at.toFixed(1)} h: ${s.what}`);
                let total = 0;
                for (const d of days) {
                    const n = d.fired.reduce((a, f) => a + f.count, 0);
                    total += n;
                    const seed = SEEDS > 1 ? ` (seed ${d.seed})` : "";
                    console.log(
                        `alerts fired${seed}: ${n}${d.fired.length ? ` (${d.fired.map((f) => `${f.alertname}/${f.severity} x${f.count}`).join(", ")})` : ""}`,
                    );
                    console.log(
                        `alert evaluations pending (not fired) over the day${seed}: ${d.pending.length ? d.pending.map((p) => `${p.alertname} ${p.count}`).join(", ") : "0"}`,
                    );
                }
                line += `; alerts on the healthy day${SEEDS > 1 ? `s` : ""}: ${total}${total === 0 ? " (met)" : " (MISSED: must be 0)"}`;
            }
            summary.push(line);
        }
        console.log(
            `\nTimes from onset; mean includes half, worst all of one evaluation interval for the offset between scrape and rule evaluation in a cluster.`,
        );
        console.log(
            `Ratio = our time / the plan's baseline (person checking every 5 min): below 1 is faster. Target: a page within 2 min for >= 2 % errors, none on a healthy day.`,
        );
        for (const line of summary) console.log(line);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

function printTable(rows: string[][]): void {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    rows.forEach((r, j) => {
        console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
        if (j === 0) console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    });
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
