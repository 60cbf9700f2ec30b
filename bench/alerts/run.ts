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
import { generate, HEALTHY_SPIKES, healthyState, Scenario, State } from "./synthetic";

const NAMESPACE = "ologywood-bench";
const WARMUP = 2 * 3600;
const AFTER_ONSET = 20 * 60;
const PHASES = [0, 5, 10, 15, 20, 25];
const BASELINE = { mean: 150, worst: 300 };
const EVAL_OFFSET = durationSeconds(RULE_EVALUATION_INTERVAL);
/** `npm run bench:alerts -- --verbose` prints every alert of every run. */
const VERBOSE = process.argv.includes("--verbose");

const settings: RuleSettings = {
    namespace: NAMESPACE,
    backupMaxAgeSeconds: maxCronIntervalSeconds("0 2 * * *") + 3600 + 1800,
};

/** `onsetHour`: time of day of the onset; 02:00 is the quietest traffic (3 req/s), 14:00 the busiest (30 req/s). */
interface Incident { name: string; onsetHour: number; change: (s: State) => State }
const ALL_INCIDENTS: Incident[] = [
    { name: "5xx 2 % (02:00, 3 req/s)", onsetHour: 2, change: (s) => ({ ...s, errorRatio: 0.02 }) },
    { name: "5xx 2 % (14:00, 30 req/s)", onsetHour: 14, change: (s) => ({ ...s, errorRatio: 0.02 }) },
    { name: "5xx 5 %", onsetHour: 2, change: (s) => ({ ...s, errorRatio: 0.05 }) },
    { name: "5xx 20 %", onsetHour: 2, change: (s) => ({ ...s, errorRatio: 0.2 }) },
    { name: "p95 3 s", onsetHour: 2, change: (s) => ({ ...s, p95: 3 }) },
    { name: "p95 6 s", onsetHour: 2, change: (s) => ({ ...s, p95: 6 }) },
];

/** `--only <text>` runs the incidents whose name contains it (and skips the healthy day). */
const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const INCIDENTS = ALL_INCIDENTS.filter((i) => !ONLY || i.name.includes(ONLY));

interface Firing { alertname: string; severity: string; at: number }
let runs = 0;

async function runPromtool(dir: string, scenario: Scenario, queries: Record<string, string>): Promise<Map<string, ReturnType<typeof parseGotSamples>>> {
    const evalTime = `${scenario.seconds}s`;
    const test = {
        rule_files: ["rules.yml"],
        evaluation_interval: RULE_EVALUATION_INTERVAL,
        tests: [{
            interval: "30s",
            input_series: generate(NAMESPACE, scenario),
            // Deliberately empty expectations: promtool then prints what it got.
            promql_expr_test: Object.values(queries).map((expr) => ({ expr, eval_time: evalTime, exp_samples: [] })),
        }],
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
async function firstFirings(dir: string, scenario: Scenario, origin: number): Promise<Firing[]> {
    const expr = `(min by (alertname, severity) (min_over_time(timestamp(ALERTS{alertstate="firing"})[${scenario.seconds}s:${RULE_EVALUATION_INTERVAL}])) - ${origin}) / ${EVAL_OFFSET}`;
    const got = (await runPromtool(dir, scenario, { first: expr })).get("first") ?? [];
    return got.map((g) => ({ alertname: g.labels.alertname, severity: g.labels.severity, at: g.value * EVAL_OFFSET }));
}

const mmss = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "ologywood-bench-alerts-"));
    try {
        writeFileSync(join(dir, "rules.yml"), stringify(buildPrometheusRuleSpec(settings), { lineWidth: 0 }));
        const check = promtool(["check", "rules", "rules.yml"], dir);
        if (check.status !== 0) throw new Error(`promtool check rules failed:\n${check.output}`);

        const rows: string[][] = [];
        const misses: string[] = [];
        for (const incident of INCIDENTS) {
            const crit: number[] = [], warn: number[] = [];
            const names = new Set<string>();
            // Series start WARMUP before the onset; `clock` shifts them to the incident's time of day.
            const clock = incident.onsetHour * 3600 - WARMUP;
            const results = await Promise.all(PHASES.map(async (phase) => {
                const onset = WARMUP + phase;
                const scenario: Scenario = {
                    name: `${incident.name} +${phase}s`,
                    seconds: WARMUP + AFTER_ONSET,
                    // Warm-up without spikes, so the only change is the incident.
                    override: (t) => {
                        const healthy = healthyState(t + clock);
                        return t >= onset ? incident.change(healthy) : healthy;
                    },
                };
                return { scenario, firings: await firstFirings(dir, scenario, onset) };
            }));
            for (const { scenario, firings } of results) {
                const early = firings.filter((f) => f.at < 0);
                if (early.length) throw new Error(`${scenario.name}: alerts fired before the onset: ${early.map((f) => f.alertname).join(", ")}`);
                const first = (sev: string) => firings.filter((f) => f.severity === sev).sort((a, b) => a.at - b.at)[0];
                const c = first("critical"), w = first("warning");
                if (VERBOSE) console.log(`${scenario.name}: ${firings.map((f) => `${f.alertname} ${mmss(f.at)}`).join(", ")}`);
                if (c) { crit.push(c.at); names.add(c.alertname); }
                if (w) warn.push(w.at);
                if (!c && !w) misses.push(scenario.name);
            }
            const worst = (xs: number[]) => Math.max(...xs) + EVAL_OFFSET;
            const fmtTimes = (xs: number[]) => (xs.length ? `${mmss(mean(xs) + EVAL_OFFSET / 2)} / ${mmss(worst(xs))}` : "none");
            const ratio = (xs: number[]) => (xs.length ? `${((mean(xs) + EVAL_OFFSET / 2) / BASELINE.mean).toFixed(2)} / ${(worst(xs) / BASELINE.worst).toFixed(2)}` : "-");
            const detect = crit.length ? crit : warn;
            rows.push([incident.name, crit.length ? [...names].join(",") : "(none)", fmtTimes(crit), fmtTimes(warn),
                `${mmss(BASELINE.mean)} / ${mmss(BASELINE.worst)}`, ratio(detect)]);
        }

        if (ONLY) { printTable([["incident", "first critical alert", "critical mean / worst", "warning mean / worst", "baseline mean / worst", "ratio mean / worst"], ...rows]); return; }
        // The healthy day.
        const day: Scenario = { name: "healthy day", seconds: 24 * 3600 };
        const episodes = await runPromtool(dir, day, {
            episodes: `sum by (alertname, severity) (count_over_time((ALERTS{alertstate="firing"} unless ALERTS{alertstate="firing"} offset ${RULE_EVALUATION_INTERVAL})[24h:${RULE_EVALUATION_INTERVAL}]))`,
            pending: `sum by (alertname) (count_over_time(ALERTS{alertstate="pending"}[24h]))`,
        });
        const fired = episodes.get("episodes") ?? [];
        const pending = episodes.get("pending") ?? [];

        const header = ["incident", "first critical alert", "critical mean / worst", "warning mean / worst", "baseline mean / worst", "ratio mean / worst"];
        printTable([header, ...rows]);
        console.log(`\nTimes from onset, over ${PHASES.length} onset phases between two scrapes (scrape ${"30s"}, rules every ${RULE_EVALUATION_INTERVAL});`);
        console.log(`mean includes half, worst all of one evaluation interval for the offset between scrape and rule evaluation in a cluster.`);
        console.log(`Ratio = our time / the plan's baseline (person checking every 5 min): below 1 is faster.`);
        if (misses.length) console.log(`No alert at all for: ${misses.join(", ")}`);
        console.log(`\nHealthy day (24 h, diurnal 3-30 req/s, noise, ${HEALTHY_SPIKES.length} brief spikes):`);
        for (const s of HEALTHY_SPIKES) console.log(`  - at ${s.at.toFixed(1)} h: ${s.what}`);
        const total = fired.reduce((a, f) => a + f.value, 0);
        console.log(`alerts fired: ${total}${fired.length ? ` (${fired.map((f) => `${f.labels.alertname}/${f.labels.severity} x${f.value}`).join(", ")})` : ""}`);
        console.log(`alert evaluations pending (not fired) over the day: ${pending.length ? pending.map((p) => `${p.labels.alertname} ${p.value}`).join(", ") : "0"}`);
        // Every 5xx incident is >= 2 %: show them all, not only the first row (night and day differ).
        const errorRows = rows.filter((r) => r[0].startsWith("5xx"));
        console.log(`\nTargets: critical within 2 min for >= 2 % errors (mean / worst): ${errorRows.map((r) => `${r[0]} ${r[2]}`).join("; ")}; zero alerts on the healthy day: ${total === 0 ? "met" : "MISSED"}`);
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
