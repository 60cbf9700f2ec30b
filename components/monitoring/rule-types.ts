/**
 * Rules as data (kubernetes-mixin style): each area file returns AlertDefs and RecordingDefs;
 * rule-builder.ts turns them into one PrometheusRule spec per stack.
 */

/** What the rules need to know about a stack; built from the stack config by ruleSettingsFromConfig. */
export interface RuleSettings {
    /** The stack's namespace: every expression selects on it, so each stack's rules see only its series. */
    namespace: string;
    /** The scheduled backup is overdue when its latest success is older than this. */
    backupMaxAgeSeconds: number;
}

export type Severity = "critical" | "warning";

export interface AlertDef {
    /** UpperCamelCase with the `Ologywood` prefix; docs/runbooks/<alert>.md explains it. */
    alert: string;
    expr: string;
    /** How long the condition must hold before the alert fires (a Prometheus duration). */
    for: string;
    severity: Severity;
    /** Short and generic. */
    summary: string;
    /** Specific: label templates and the humanized value. */
    description: string;
    /** Extra labels that tell rules of the same alert apart (e.g. SLO windows). */
    labels?: Record<string, string>;
}

export interface RecordingDef {
    record: string;
    expr: string;
}

/** One file's worth of rules (one rule group). */
export interface RuleArea {
    name: string;
    alerts?: AlertDef[];
    recording?: RecordingDef[];
}

/** The PrometheusRule spec shape (monitoring.coreos.com/v1). */
export interface PrometheusRuleSpec {
    groups: {
        name: string;
        interval: string;
        rules: (
            | { record: string; expr: string }
            | {
                  alert: string;
                  expr: string;
                  for: string;
                  labels: Record<string, string>;
                  annotations: Record<string, string>;
              }
        )[];
    }[];
}
