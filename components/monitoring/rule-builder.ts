/**
 * The pure builder: recording rules and every alert area merged into one PrometheusRule spec for
 * a stack. Every expression selects the stack's namespace, so staging's rules never see prod.
 */
import { RULE_EVALUATION_INTERVAL, THRESHOLDS } from "../../metrics/contract";
import { ALERT_AREAS } from "./alerts";
import { maxCronIntervalSeconds } from "./cron";
import { recordingRules } from "./recording";
import { AlertDef, PrometheusRuleSpec, RuleArea, RuleSettings } from "./rule-types";
import { runbookUrl } from "./runbook";

const NAME = /^Ologywood[A-Z][A-Za-z0-9]*$/;

/** From the stack config's `namespace` and `backup` (schedule, jobDeadlineSeconds). */
export function ruleSettingsFromConfig(config: { namespace: string; backup: { schedule: string; jobDeadlineSeconds: number } }): RuleSettings {
    return {
        namespace: config.namespace,
        backupMaxAgeSeconds: maxCronIntervalSeconds(config.backup.schedule) + config.backup.jobDeadlineSeconds + THRESHOLDS.backups.graceSeconds,
    };
}

/** All areas of a stack: the recording rules first, then the alerts. */
export function ruleAreas(s: RuleSettings): RuleArea[] {
    return [recordingRules(s), ...ALERT_AREAS.map((area) => area(s))];
}

/** Every alert definition of a stack, flat. */
export function alertDefs(s: RuleSettings): AlertDef[] {
    return ruleAreas(s).flatMap((a) => a.alerts ?? []);
}

/**
 * One rule group, recording rules first: rules of a group run in order, so every alert reads the
 * recorded series of the same evaluation. (Across groups the order is not defined, which would
 * add up to one evaluation interval of delay, and make promtool's results depend on chance.)
 */
export function buildPrometheusRuleSpec(s: RuleSettings): PrometheusRuleSpec {
    const areas = ruleAreas(s);
    return {
        groups: [
            {
                name: "ologywood",
                interval: RULE_EVALUATION_INTERVAL,
                rules: [
                    ...areas.flatMap((a) => a.recording ?? []).map((r) => ({ record: r.record, expr: r.expr })),
                    ...areas.flatMap((a) => a.alerts ?? []).map(toRule),
                ],
            },
        ],
    };
}

function toRule(a: AlertDef) {
    if (!NAME.test(a.alert)) throw new Error(`alert name ${JSON.stringify(a.alert)}: expected UpperCamelCase with the Ologywood prefix`);
    return {
        alert: a.alert,
        expr: a.expr,
        for: a.for,
        labels: { severity: a.severity, ...a.labels },
        annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.alert) },
    };
}
