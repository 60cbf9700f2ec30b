/**
 * Monitoring that notices when it goes blind: every scraped series that an alert or the release's
 * bake gate reads is watched by an absent-series alert generated from metrics/contract.ts, and
 * each of them is checked with the real promtool: silent while present, firing once it vanishes,
 * one evaluation before and at the end of `for`.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { KUBE_STATE_METRICS, RULE_EVALUATION_INTERVAL, UNWATCHED_SERIES, WATCHED_SOURCES, WatchedSource } from "../../metrics/contract";
import { ABSENT_ALERTS, SERIES_LABEL } from "../../components/monitoring/alerts/absent";
import { FOR } from "../../components/monitoring/alerts/settings";
import { durationSeconds, promDuration } from "../../components/monitoring/promql";
import { runbookPath } from "../../components/monitoring/runbook";
import { PrometheusRuleSpec } from "../../components/monitoring/rule-types";
import { prometheusQueries } from "../../pipeline/metrics";
import { promtool } from "../support/promtool";
import { metricNames, recordedNames, scrapedMetricNames } from "./metric-names";
import { alertRules, prepareRuleTests } from "./rule-tests";
import { REPO_ROOT, stackRules } from "./stacks";

type SourceName = keyof typeof WATCHED_SOURCES;
const SOURCES = Object.entries(WATCHED_SOURCES) as [SourceName, WatchedSource][];

/** The scraped series an expression reads, through any recording rules it reads. */
function scrapedInputs(expr: string, spec: PrometheusRuleSpec, seen = new Set<string>()): Set<string> {
    const rules = spec.groups.flatMap((g) => g.rules);
    const out = new Set<string>();
    for (const name of metricNames(expr)) {
        const recording = rules.find((r) => "record" in r && r.record === name);
        if (!recording) out.add(name);
        else if (!seen.has(name)) for (const n of scrapedInputs(recording.expr, spec, seen.add(name))) out.add(n);
    }
    return out;
}

/** Which alerts (and the bake gate) read each scraped series, through the recording rules. */
function readers(spec: PrometheusRuleSpec, namespace: string): Map<string, Set<string>> {
    const map = new Map<string, Set<string>>();
    const add = (series: string, reader: string) => map.set(series, (map.get(series) ?? new Set()).add(reader));
    for (const a of spec.groups.flatMap((g) => g.rules)) {
        if (!("alert" in a) || Object.values(ABSENT_ALERTS).some((x) => x.alert === a.alert)) continue;
        for (const s of scrapedInputs(a.expr, spec)) add(s, a.alert);
    }
    for (const q of Object.values(prometheusQueries(namespace))) for (const s of scrapedInputs(q!, spec)) add(s, "bake gate");
    return map;
}

const watched = () => SOURCES.flatMap(([name, source]) => source.series.map((s) => ({ name, source, series: s })));

describe("monitoring: absent-series alerts (blind monitoring)", function () {
    this.timeout(120_000);
    let spec: PrometheusRuleSpec;
    let namespace: string;
    before(async () => {
        ({ spec, namespace } = await stackRules("prod"));
    });

    it("watch every scraped series that an alert or the bake gate reads (or say why not)", () => {
        const scraped = scrapedMetricNames();
        const read = [...readers(spec, namespace).keys()];
        assert.ok(read.length > 10, `found only ${read.join(", ")}`);
        for (const s of read) assert.ok(scraped.has(s) || recordedNames(spec).has(s), `${s} is read but neither scraped nor recorded`);
        const names = watched().map((w) => w.series.metric);
        const missing = read.filter((s) => !names.includes(s) && !(s in UNWATCHED_SERIES));
        assert.deepEqual(missing, [], "series read by alerts or the bake gate without an absent-series alert or a reason in UNWATCHED_SERIES");
        assert.deepEqual(
            names.filter((s) => s in UNWATCHED_SERIES),
            [],
            "series both watched and unwatched",
        );
        for (const [s, why] of Object.entries(UNWATCHED_SERIES)) {
            assert.ok(read.includes(s), `UNWATCHED_SERIES lists ${s}, which nothing reads`);
            assert.ok(why.length > 30, `${s}: say why it is not watched`);
        }
    });

    it("watch the same labels the alerts select on", () => {
        // A watched selector must not be narrower than, or differ from, what the rules read.
        const selectors = spec.groups
            .flatMap((g) => g.rules)
            .filter((r) => !("alert" in r && Object.values(ABSENT_ALERTS).some((x) => x.alert === r.alert)))
            .flatMap((r) => [...r.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({ metric: m[1], labels: m[2] })));
        for (const { source, series } of watched()) {
            const uses = selectors.filter((s) => s.metric === series.metric);
            assert.ok(uses.length > 0, `${series.metric}: no rule reads it`);
            for (const [k, v] of Object.entries({ ...source.matchers, ...series.matchers })) {
                for (const u of uses)
                    assert.ok(u.labels.includes(`${k}=${JSON.stringify(v)}`), `${series.metric}: watched with ${k}="${v}", read as {${u.labels}}`);
            }
        }
    });

    it("fire for each watched series once it vanishes, at the end of `for` and not one evaluation before; silent while present (promtool)", () => {
        const EVAL = durationSeconds(RULE_EVALUATION_INTERVAL);
        const wait = durationSeconds(FOR.metricsAbsent);
        const steps = 40; // 20 minutes of samples at 30 s
        const gone = 20; // the vanishing series' staleness marker comes after 10 minutes
        const labels = (source: WatchedSource, s: WatchedSource["series"][number]) => ({ namespace, ...source.matchers, ...s.matchers });
        const seriesText = (metric: string, l: Record<string, string>) =>
            `${metric}{${Object.entries(l)
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(",")}}`;
        // The pods that export a source run (their Deployment wants pods), as kube-state-metrics
        // says: when its replicas series is the one that vanishes, these vanish with it.
        const exporters = (vanishing: string) =>
            [...new Set(SOURCES.flatMap(([, s]) => (s.exportedBy ? [s.exportedBy] : [])))].map((deployment) => ({
                series: seriesText(KUBE_STATE_METRICS.deploymentSpecReplicas, { namespace, deployment }),
                values: vanishing === KUBE_STATE_METRICS.deploymentSpecReplicas ? `3x${gone} stale` : `3x${steps}`,
            }));
        const goneAt = (gone + 1) * 30;
        const tests = watched().map(({ name, source, series }) => ({
            name: `${series.metric} vanishes`,
            interval: "30s",
            input_series: [
                ...watched().map((w) => ({
                    series: seriesText(w.series.metric, labels(w.source, w.series)),
                    values: w.series === series ? `1x${gone} stale` : `1x${steps}`,
                })),
                ...exporters(series.metric),
            ],
            alert_rule_test: [
                // Present: nothing. Gone: silent until `for` has passed, then exactly this series.
                ...Object.values(ABSENT_ALERTS).map((a) => ({ eval_time: promDuration(goneAt - EVAL), alertname: a.alert, exp_alerts: [] })),
                { eval_time: promDuration(goneAt + wait - EVAL), alertname: ABSENT_ALERTS[name].alert, exp_alerts: [] },
                {
                    eval_time: promDuration(goneAt + wait),
                    alertname: ABSENT_ALERTS[name].alert,
                    exp_alerts: [
                        {
                            exp_labels: { severity: "warning", ...labels(source, series), [SERIES_LABEL]: series.metric },
                            exp_annotations: annotationsOf(ABSENT_ALERTS[name].alert, series.metric),
                        },
                    ],
                },
                ...Object.values(ABSENT_ALERTS)
                    .filter((a) => a.alert !== ABSENT_ALERTS[name].alert)
                    .map((a) => ({ eval_time: promDuration(goneAt + wait), alertname: a.alert, exp_alerts: [] })),
            ],
        }));
        function annotationsOf(alert: string, metric: string) {
            const rule = alertRules(spec).find((r) => r.alert === alert)!;
            return {
                ...rule.annotations,
                description: rule.annotations.description
                    .replace(`{{ $labels.${SERIES_LABEL} }}`, metric)
                    .replace("{{ $labels.namespace }}", namespace)
                    .replace("{{ $value }}", "1"),
            };
        }
        const { dir } = prepareRuleTests(spec, namespace);
        const file = "absent-generated.test.yml";
        writeFileSync(join(dir, file), stringify({ rule_files: ["rules.yml"], evaluation_interval: RULE_EVALUATION_INTERVAL, tests }, { lineWidth: 0 }));
        const r = promtool(["test", "rules", file], dir);
        rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 0, r.output);
        assert.equal(tests.length, watched().length);
    });

    it("have runbooks that name every alert blinded by the missing series", () => {
        const map = readers(spec, namespace);
        for (const [name, source] of SOURCES) {
            const text = readFileSync(join(REPO_ROOT, runbookPath(ABSENT_ALERTS[name].alert)), "utf8");
            const blinded = new Set(source.series.flatMap((s) => [...(map.get(s.metric) ?? [])]));
            for (const reader of blinded)
                assert.ok(text.includes(reader), `${runbookPath(ABSENT_ALERTS[name].alert)} does not name ${reader}, which reads ${name}'s series`);
        }
    });
});
