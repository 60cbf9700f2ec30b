/**
 * The PrometheusRule of every stack, checked and unit-tested with the real promtool, plus the
 * conventions every alert follows (kubernetes-mixin style).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { RECORDING_RULES, RULE_EVALUATION_INTERVAL, RUNBOOK_BASE_URL } from "../../metrics/contract";
import { promtool, promtoolPath, PromtoolMissingError } from "../support/promtool";
import { durationSeconds } from "../../components/monitoring/promql";
import { PrometheusRuleSpec } from "../../components/monitoring/rule-types";
import { alertRules, alertsNeverCheckedSilent, loadRuleTests, prepareRuleTests, runRuleTests, uncoveredAlerts } from "./rule-tests";
import { buildPrometheusRuleSpec } from "../../components/monitoring/rule-builder";
import { STACKS, stackRules, StackRules, stackRuleSettings } from "./stacks";

const EVAL = durationSeconds(RULE_EVALUATION_INTERVAL);

describe("monitoring: alert rules of the rendered stacks (promtool)", function () {
    this.timeout(120_000);
    const rules: StackRules[] = [];
    before(async () => {
        promtoolPath(); // fails with "install Debian's prometheus" when missing
        for (const stack of STACKS) rules.push(await stackRules(stack));
    });

    it("says how to install promtool when it is missing", () => {
        assert.throws(
            () => promtoolPath("/nonexistent", []),
            (e: Error) => e instanceof PromtoolMissingError && /apt-get install -y prometheus/.test(e.message),
        );
    });

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            const get = () => rules.find((r) => r.stack === stack)!;

            it("passes `promtool check rules`", () => {
                const { dir } = prepareRuleTests(get().spec, get().namespace);
                const r = promtool(["check", "rules", "rules.yml"], dir);
                rmSync(dir, { recursive: true, force: true });
                assert.equal(r.status, 0, r.output);
                assert.match(r.output, /SUCCESS: \d+ rules found/);
            });

            it("passes every promtool unit test in components/monitoring/tests", () => {
                const r = runRuleTests(get().spec, get().namespace);
                assert.equal(r.status, 0, r.output);
                assert.equal((r.output.match(/SUCCESS/g) ?? []).length, loadRuleTests().length, r.output);
            });

            it("selects only its own namespace in every expression", () => {
                for (const rule of get().spec.groups.flatMap((g) => g.rules)) {
                    const selectors = rule.expr.match(/\{[^}]*\}/g) ?? [];
                    assert.ok(selectors.length > 0, `${JSON.stringify(rule)} has no selector`);
                    for (const s of selectors) {
                        assert.ok(
                            s.includes(`namespace="${get().namespace}"`),
                            `${"alert" in rule ? rule.alert : rule.record}: selector ${s} does not select namespace ${get().namespace}`,
                        );
                    }
                }
            });

            it("records the series the release pipeline's bake gate reads", () => {
                const recorded = get()
                    .spec.groups.flatMap((g) => g.rules)
                    .flatMap((r) => ("record" in r ? [r.record] : []));
                for (const name of [RECORDING_RULES.errorRatio("5m"), RECORDING_RULES.latencyP95, RECORDING_RULES.dbConnectionRatio]) {
                    assert.ok(recorded.includes(name), `${name} is not recorded`);
                }
            });
        });
    }

    it("has a promtool test expecting every alert (with each of its rule labels) to fire", () => {
        assert.deepEqual(uncoveredAlerts(rules[0].spec), []);
    });

    it("has a promtool test expecting every alert to stay silent", () => {
        assert.deepEqual(alertsNeverCheckedSilent(rules[0].spec), []);
    });

    it("checks every alert just before and at the end of its `for`", () => {
        const missing: string[] = [];
        for (const name of new Set(alertRules(rules[0].spec).map((r) => r.alert))) {
            const ok = loadRuleTests().some((t) =>
                (t.doc.tests ?? []).some((group: any) => {
                    const tests = (group.alert_rule_test ?? []).filter((a: any) => a.alertname === name);
                    return tests.some(
                        (fire: any) =>
                            (fire.exp_alerts ?? []).length > 0 &&
                            tests.some(
                                (quiet: any) => !(quiet.exp_alerts ?? []).length && durationSeconds(quiet.eval_time) === durationSeconds(fire.eval_time) - EVAL,
                            ),
                    );
                }),
            );
            if (!ok) missing.push(name);
        }
        assert.deepEqual(missing, []);
    });

    it("fails when an alert's timing changes (the tests can fail)", () => {
        const spec: PrometheusRuleSpec = JSON.parse(JSON.stringify(rules[0].spec));
        const rule = spec.groups[0].rules.find((r) => "alert" in r && r.alert === "OlogywoodErrorRateCritical") as any;
        rule.for = "2m";
        const r = runRuleTests(spec, rules[0].namespace, ["availability.yml"]);
        assert.notEqual(r.status, 0);
        assert.match(r.output, /OlogywoodErrorRateCritical/);
    });

    it("names, labels and annotates every alert the same way", () => {
        for (const r of alertRules(rules[0].spec)) {
            assert.match(r.alert, /^Ologywood[A-Z][A-Za-z0-9]+$/);
            assert.ok(["critical", "warning"].includes(r.labels.severity), `${r.alert}: severity ${r.labels.severity}`);
            assert.ok(r.annotations.summary.length > 10, `${r.alert}: summary`);
            assert.match(r.annotations.description, /\{\{ \$value( \| humanize\w*)? \}\}/, `${r.alert}: description must show the value`);
            assert.equal(r.annotations.runbook_url, `${RUNBOOK_BASE_URL}/${r.alert}.md`);
        }
    });

    it("renders exactly what the pure builder makes of each stack file", () => {
        for (const r of rules) assert.deepStrictEqual(r.spec, buildPrometheusRuleSpec(stackRuleSettings(r.stack)), r.stack);
    });
});
