/**
 * The Grafana dashboard each stack renders: a valid dashboard with the plan's three groups of
 * panels, every query parsed by promtool, every series scraped or recorded.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { APP_BUSINESS_JSON_FIELDS, APP_BUSINESS_METRICS } from "../../metrics/contract";
import { promtool } from "../support/promtool";
import { objectNamed, render } from "../support/render";
import { metricNames, recordedNames, scrapedMetricNames } from "./metric-names";
import { REPO_ROOT, STACKS, stackRules } from "./stacks";

/** The plan's "Monitoring Dashboard" list, as panel titles. */
const PLAN = {
    Application: ["Request rate", "Error rate", "Response time p50 / p95 / p99", "Active users", "Endpoint latency p95"],
    Business: ["Bookings per hour", "Booking success rate", "Booking confirmation rate", "Email delivery rate"],
    Infrastructure: ["CPU usage", "Memory usage", "Disk usage", "Database connections", "Network"],
};
/** Panels that read the app's optional business fields. */
const BUSINESS_PANELS = ["Active users", ...PLAN.Business];
const BUSINESS_ON = ["monitoring.businessMetrics=true"];

async function dashboardOf(stack: string, sets: string[] = []): Promise<{ cm: any; dashboard: any; namespace: string }> {
    const r = await render(stack, sets);
    const cm = objectNamed(r, "ConfigMap", "ologywood-dashboard");
    const [file] = Object.keys(cm.data);
    return { cm, dashboard: JSON.parse(cm.data[file]), namespace: cm.metadata.namespace };
}

const queries = (d: any): { panel: string; expr: string }[] =>
    d.panels.filter((p: any) => p.type === "timeseries").flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr })));
const businessSeries = new Set<string>(Object.values(APP_BUSINESS_METRICS));
const readsBusiness = (p: any) => (p.targets ?? []).some((t: any) => metricNames(t.expr).some((n) => businessSeries.has(n)));

/** Panel titles per row. */
function rowsOf(d: any): Record<string, string[]> {
    let current = "";
    const byRow: Record<string, string[]> = {};
    for (const p of d.panels) {
        if (p.type === "row") current = p.title;
        else (byRow[current] ??= []).push(p.title);
    }
    return byRow;
}

describe("monitoring: Grafana dashboard", function () {
    this.timeout(120_000);

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            it('is a ConfigMap for Grafana\'s sidecar (label grafana_dashboard: "1") with one JSON file', async () => {
                const { cm, namespace } = await dashboardOf(stack);
                assert.equal(cm.metadata.labels.grafana_dashboard, "1");
                assert.deepEqual(Object.keys(cm.data), [`ologywood-${namespace}.json`]);
            });

            for (const sets of [[], BUSINESS_ON])
                it(`is a valid dashboard model: uid, title, schema version, unique ids, panels on the 24-column grid${sets.length ? " (business panels on)" : ""}`, async () => {
                    const { dashboard: d, namespace } = await dashboardOf(stack, sets);
                    assert.ok(typeof d.uid === "string" && d.uid.length > 0 && d.uid.length <= 40, `uid ${d.uid}`);
                    assert.match(d.title, new RegExp(namespace));
                    assert.ok(Number.isInteger(d.schemaVersion) && d.schemaVersion >= 30);
                    assert.ok(Array.isArray(d.panels) && d.panels.length > 0);
                    assert.equal(new Set(d.panels.map((p: any) => p.id)).size, d.panels.length, "panel ids must be unique");
                    assert.ok(d.templating.list.some((v: any) => v.name === "datasource" && v.type === "datasource" && v.query === "prometheus"));
                    for (const p of d.panels) {
                        const g = p.gridPos;
                        assert.ok(g && g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24 && g.y >= 0, `${p.title}: gridPos ${JSON.stringify(g)}`);
                        if (p.type === "row") continue;
                        if (p.type === "text") {
                            assert.ok(p.options?.mode === "markdown" && p.options.content.length > 40, `${p.title}: a note needs its text`);
                            continue;
                        }
                        assert.equal(p.type, "timeseries");
                        assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" });
                        assert.ok(p.targets.length > 0, `${p.title} has no query`);
                        assert.equal(new Set(p.targets.map((t: any) => t.refId)).size, p.targets.length, `${p.title}: refIds must be unique`);
                        assert.ok(p.fieldConfig?.defaults?.unit, `${p.title} has no unit`);
                    }
                });

            it("has the plan's three groups, in order, with all their panels once the app reports the business fields", async () => {
                const { dashboard: d } = await dashboardOf(stack, BUSINESS_ON);
                const rows = d.panels.filter((p: any) => p.type === "row").map((p: any) => p.title);
                assert.deepEqual(rows, Object.keys(PLAN));
                const byRow = rowsOf(d);
                for (const [row, titles] of Object.entries(PLAN)) {
                    for (const t of titles) assert.ok(byRow[row]?.includes(t), `row ${row} lacks panel "${t}" (has ${byRow[row]?.join(", ")})`);
                }
            });

            it("shows no panel over series the app does not report unless monitoring.businessMetrics says it does, and says so in their place", async () => {
                const { dashboard: d } = await dashboardOf(stack);
                assert.deepEqual(
                    d.panels.filter(readsBusiness).map((p: any) => p.title),
                    [],
                    "panels that could only show No data",
                );
                const byRow = rowsOf(d);
                for (const [row, titles] of Object.entries(PLAN)) {
                    for (const t of titles.filter((x) => !BUSINESS_PANELS.includes(x))) assert.ok(byRow[row]?.includes(t), `row ${row} lacks panel "${t}"`);
                }
                const notes = d.panels
                    .filter((p: any) => p.type === "text")
                    .map((p: any) => p.options.content)
                    .join("\n");
                for (const field of Object.values(APP_BUSINESS_JSON_FIELDS)) assert.ok(notes.includes(field), `the note does not name ${field}`);
                assert.match(notes, /ologywood:monitoring\.businessMetrics/);
            });

            it("names the missing field instead of an empty graph on every business panel (Grafana noValue)", async () => {
                const { dashboard: d } = await dashboardOf(stack, BUSINESS_ON);
                const business = d.panels.filter(readsBusiness);
                assert.deepEqual(business.map((p: any) => p.title).sort(), [...BUSINESS_PANELS].sort());
                for (const p of business) {
                    const fields = Object.values(APP_BUSINESS_JSON_FIELDS).filter((f) => p.targets.some((t: any) => t.expr.includes(`ologywood_${f}`)));
                    assert.ok(fields.length > 0, p.title);
                    for (const f of fields)
                        assert.ok(p.fieldConfig.defaults.noValue?.includes(f), `${p.title}: noValue ${p.fieldConfig.defaults.noValue} does not name ${f}`);
                }
                assert.equal(d.panels.filter((p: any) => p.type === "text").length, 0, "no note while the panels are on");
            });

            it("has queries that promtool parses", async () => {
                const { dashboard: d } = await dashboardOf(stack, BUSINESS_ON);
                const dir = mkdtempSync(join(tmpdir(), "ologywood-dashboard-"));
                const rules = queries(d).map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
                writeFileSync(join(dir, "dashboard-queries.yml"), stringify({ groups: [{ name: "dashboard", rules }] }));
                const r = promtool(["check", "rules", "dashboard-queries.yml"], dir);
                rmSync(dir, { recursive: true, force: true });
                assert.equal(r.status, 0, r.output);
                assert.match(r.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
            });

            it("reads only series that are scraped (listed in the contract) or recorded by our rules, in this stack's namespace", async () => {
                const { dashboard: d, namespace } = await dashboardOf(stack, BUSINESS_ON);
                const known = new Set([...scrapedMetricNames(), ...recordedNames((await stackRules(stack)).spec)]);
                for (const q of queries(d)) {
                    const names = metricNames(q.expr);
                    assert.ok(names.length > 0, `${q.panel}: no series in ${q.expr}`);
                    for (const n of names) assert.ok(known.has(n), `${q.panel}: ${n} is neither scraped nor recorded (${q.expr})`);
                    for (const s of q.expr.match(/\{[^}]*\}/g) ?? []) assert.ok(s.includes(`namespace="${namespace}"`), `${q.panel}: ${s}`);
                }
            });
        });
    }

    it("documents the business fields the app must add, in docs/monitoring.md and the README", () => {
        for (const doc of ["docs/monitoring.md", "README.md"]) {
            const text = readFileSync(join(REPO_ROOT, doc), "utf8");
            for (const field of Object.values(APP_BUSINESS_JSON_FIELDS)) assert.ok(text.includes(`\`${field}\``), `${doc} does not name ${field}`);
            assert.ok(text.includes("monitoring.businessMetrics"), `${doc} does not name the setting`);
        }
    });

    it("alert and recording rules read only scraped or recorded series too", async () => {
        const { spec } = await stackRules("prod");
        const known = new Set([...scrapedMetricNames(), ...recordedNames(spec)]);
        for (const rule of spec.groups.flatMap((g) => g.rules)) {
            for (const n of metricNames(rule.expr)) assert.ok(known.has(n), `${"alert" in rule ? rule.alert : rule.record}: ${n}`);
        }
    });

    it("finds metric names in PromQL (the checker itself)", () => {
        assert.deepEqual(metricNames('sum by (le, path) (rate(a_bucket{x="y{}"}[5m])) / on(ns) group_left b + 1e3 * c offset 5m'), ["a_bucket", "b", "c"]);
        assert.deepEqual(metricNames("histogram_quantile(0.95, sum by (le) (rate(x[2m]))) > bool 5 and ologywood:r:rate5m"), ["x", "ologywood:r:rate5m"]);
    });
});
