/**
 * The rules of each stack as CI checks them: taken out of the rendered manifests (the real
 * program under the mock runtime), not from the builder directly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { backupSchema } from "../../config/database";
import { ruleSettingsFromConfig } from "../../components/monitoring/rule-builder";
import { PrometheusRuleSpec, RuleSettings } from "../../components/monitoring/rule-types";
import { objectsOfKind, render } from "../support/render";

import { REPO_ROOT } from "../../cli/frame";

export { REPO_ROOT };
export const STACKS = ["staging", "prod"] as const;

/** The builder's input for a stack, read straight from its stack file (for comparisons). */
export function stackRuleSettings(stack: string): RuleSettings {
    const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
    return ruleSettingsFromConfig({ namespace: file["ologywood:namespace"], backup: backupSchema.parse(file["ologywood:backup"] ?? {}) });
}

export interface StackRules {
    stack: string;
    namespace: string;
    spec: PrometheusRuleSpec;
}

export async function stackRules(stack: string): Promise<StackRules> {
    const r = await render(stack);
    const rules = objectsOfKind(r, "PrometheusRule");
    if (rules.length !== 1) throw new Error(`expected one PrometheusRule in the render of ${stack}, got ${rules.length}`);
    return { stack, namespace: rules[0].metadata.namespace, spec: rules[0].spec };
}
