/** The cron reader behind the backup freshness alert. */
import assert from "node:assert/strict";
import { maxCronIntervalSeconds } from "../../components/monitoring/cron";
import { ruleSettingsFromConfig } from "../../components/monitoring/rule-builder";
import { STACKS, stackRuleSettings } from "./stacks";

const H = 3600,
    D = 86400;

describe("monitoring: backup schedule gaps (cron.ts)", () => {
    const cases: [string, number][] = [
        ["0 2 * * *", D],
        ["*/15 * * * *", 15 * 60],
        ["30 4 * * 0", 7 * D],
        ["30 4 * * 7", 7 * D],
        ["0 2 * * 1-5", 3 * D],
        ["0 2,14 * * *", 12 * H],
        ["0 0 1 * *", 31 * D],
        ["0 3 * * MON,THU", 4 * D],
        ["0 0 1 * 1", 7 * D], // day of month OR day of week, as cron reads both
        ["0 0 29 2 *", 1461 * D], // leap days, four years apart
    ];
    for (const [expr, gap] of cases) {
        it(`"${expr}" has a longest gap of ${gap / H} h`, () => assert.equal(maxCronIntervalSeconds(expr), gap));
    }

    it("rejects schedules it cannot read, naming the field", () => {
        assert.throws(() => maxCronIntervalSeconds("0 25 * * *"), /invalid hour field "25"/);
        assert.throws(() => maxCronIntervalSeconds("0 2 * *"), /expected a 5-field cron schedule/);
        assert.throws(() => maxCronIntervalSeconds("*/0 * * * *"), /invalid minute field/);
        assert.throws(() => maxCronIntervalSeconds("0 0 30 2 *"), /never runs/);
    });

    it("sets each stack's backup age limit to its schedule's gap plus the Job deadline plus 30 minutes", () => {
        for (const stack of STACKS) assert.equal(stackRuleSettings(stack).backupMaxAgeSeconds, D + H + 1800, stack);
        assert.equal(
            ruleSettingsFromConfig({ namespace: "x", backup: { schedule: "0 */6 * * *", jobDeadlineSeconds: 600 } }).backupMaxAgeSeconds,
            6 * H + 600 + 1800,
        );
    });
});
