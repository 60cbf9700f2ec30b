/**
 * The rules of each stack, as the tests see them. Until the stack program renders them, they
 * come from the pure builder fed with the stack file's namespace and backup settings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { backupSchema } from "../../config/database";
import { buildPrometheusRuleSpec, ruleSettingsFromConfig } from "../../components/monitoring/rule-builder";
import { PrometheusRuleSpec, RuleSettings } from "../../components/monitoring/rule-types";

export const REPO_ROOT = join(__dirname, "..", "..");
export const STACKS = ["staging", "prod"] as const;

export function stackRuleSettings(stack: string): RuleSettings {
    const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
    return ruleSettingsFromConfig({ namespace: file["ologywood:namespace"], backup: backupSchema.parse(file["ologywood:backup"] ?? {}) });
}

export interface StackRules { stack: string; namespace: string; spec: PrometheusRuleSpec }

export async function stackRules(stack: string): Promise<StackRules> {
    const settings = stackRuleSettings(stack);
    return { stack, namespace: settings.namespace, spec: buildPrometheusRuleSpec(settings) };
}
