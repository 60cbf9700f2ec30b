/**
 * Every rule of the policy pack over every object of both rendered stacks: a future workload that
 * forgets the hardening fails here, before any `pulumi preview`.
 */
import assert from "node:assert/strict";
import { RULES, podTemplates } from "../../policy/rules";
import { render, STACKS } from "../support/render";

describe("policy rules over the rendered stacks", function () {
    for (const stack of STACKS) {
        describe(stack, function () {
            it("has pods and a Namespace to check (the test is not vacuous)", async function () {
                const { objects } = await render(stack);
                assert.ok(objects.filter((o) => podTemplates(o).length > 0).length >= 4, "expected at least the API, worker, email and maintenance workloads");
                assert.ok(objects.some((o) => o.kind === "Namespace"));
            });
            for (const rule of RULES) {
                it(`${rule.name}: no violation in any object`, async function () {
                    const { objects } = await render(stack);
                    assert.deepEqual(
                        objects.flatMap((o) => rule.check(o)),
                        [],
                    );
                });
            }
        });
    }
});
