/**
 * Runs the promtool unit tests kept beside the rules (components/monitoring/tests/*.yml) against
 * a stack's rules. The test files name the namespace `__NAMESPACE__`; each expected alert gets the
 * runbook_url and summary of its rule added here (both fixed per alert), so the files spell out
 * what matters: labels, timing and the description with its humanized value.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { promtool, PromtoolResult } from "../support/promtool";
import { PrometheusRuleSpec } from "../../components/monitoring/rule-types";

export const RULE_TESTS_DIR = join(__dirname, "..", "..", "components", "monitoring", "tests");
export const NAMESPACE_PLACEHOLDER = "__NAMESPACE__";

export interface RuleTestFile {
    name: string;
    doc: any;
}

export function loadRuleTests(): RuleTestFile[] {
    return readdirSync(RULE_TESTS_DIR)
        .filter((f) => f.endsWith(".yml"))
        .sort()
        .map((name) => ({ name, doc: parse(readFileSync(join(RULE_TESTS_DIR, name), "utf8")) }));
}

type AlertRule = { alert: string; labels: Record<string, string>; annotations: Record<string, string> };

export function alertRules(spec: PrometheusRuleSpec): AlertRule[] {
    return spec.groups.flatMap((g) => g.rules).filter((r): r is AlertRule & { expr: string; for: string } => "alert" in r);
}

/** Writes rules.yml and the completed test files into a fresh directory; returns it. */
export function prepareRuleTests(spec: PrometheusRuleSpec, namespace: string): { dir: string; files: string[] } {
    const dir = mkdtempSync(join(tmpdir(), "ologywood-rule-tests-"));
    writeFileSync(join(dir, "rules.yml"), stringify({ groups: spec.groups }, { lineWidth: 0 }));
    const rules = alertRules(spec);
    const files: string[] = [];
    for (const t of loadRuleTests()) {
        const doc = JSON.parse(JSON.stringify(t.doc).split(NAMESPACE_PLACEHOLDER).join(namespace));
        doc.rule_files = ["rules.yml"];
        for (const group of doc.tests ?? []) {
            for (const at of group.alert_rule_test ?? []) {
                for (const exp of at.exp_alerts ?? []) {
                    const rule = rules.find((r) => r.alert === at.alertname);
                    if (!rule) continue; // promtool reports the unknown alert itself
                    exp.exp_annotations = { summary: rule.annotations.summary, runbook_url: rule.annotations.runbook_url, ...exp.exp_annotations };
                }
            }
        }
        writeFileSync(join(dir, t.name), stringify(doc, { lineWidth: 0 }));
        files.push(t.name);
    }
    return { dir, files };
}

/** `only`: run just these test files (e.g. ["availability.yml"]). */
export function runRuleTests(spec: PrometheusRuleSpec, namespace: string, only?: string[]): PromtoolResult {
    const { dir, files } = prepareRuleTests(spec, namespace);
    try {
        return promtool(["test", "rules", ...files.filter((f) => !only || only.includes(f))], dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Rules (alert name plus the labels that tell its rules apart) that no test expects to fire.
 * An alert is covered when some alert_rule_test expects it firing with all its rule labels.
 */
export function uncoveredAlerts(spec: PrometheusRuleSpec): string[] {
    const expected: { alertname: string; labels: Record<string, string> }[] = [];
    for (const t of loadRuleTests()) {
        for (const group of t.doc.tests ?? []) {
            for (const at of group.alert_rule_test ?? []) {
                for (const exp of at.exp_alerts ?? []) expected.push({ alertname: at.alertname, labels: exp.exp_labels ?? {} });
            }
        }
    }
    return alertRules(spec)
        .filter((r) => !expected.some((e) => e.alertname === r.alert && Object.entries(r.labels).every(([k, v]) => e.labels[k] === v)))
        .map((r) => `${r.alert}${JSON.stringify(r.labels)}`);
}

/** Alert names that no test checks silent (an empty exp_alerts) at some time: "does not fire when it should not". */
export function alertsNeverCheckedSilent(spec: PrometheusRuleSpec): string[] {
    const silent = new Set<string>();
    for (const t of loadRuleTests()) {
        for (const group of t.doc.tests ?? []) {
            for (const at of group.alert_rule_test ?? []) if (!(at.exp_alerts ?? []).length) silent.add(at.alertname);
        }
    }
    return [...new Set(alertRules(spec).map((r) => r.alert))].filter((a) => !silent.has(a));
}
