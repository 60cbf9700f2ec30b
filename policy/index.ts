/**
 * The hardening policy pack: `pulumi preview --policy-pack policy` (and `pulumi up`) run every
 * rule of rules.ts on every Kubernetes resource of the stack, and any violation fails the run.
 * The tests run the same rules on the rendered stacks; see docs/hardening.md.
 */
import { PolicyPack, ResourceValidationPolicy } from "@pulumi/policy";
import { kubeObjectFromResource } from "./resource";
import { RULES } from "./rules";

const policies: ResourceValidationPolicy[] = RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const obj = kubeObjectFromResource(args.type, args.props, args.name);
        if (!obj) return;
        for (const message of rule.check(obj)) reportViolation(message);
    },
}));

new PolicyPack("ologywood-hardening", {
    description: "Pod Security Standards restricted and the project's hardening rules for every Kubernetes object",
    enforcementLevel: "mandatory",
    policies,
});
