/**
 * Cron schedules as the Kubernetes API server reads them (config/cron.ts). Every row's verdict
 * was taken from robfig/cron v3.0.1's ParseStandard, the parser the API server validates a
 * CronJob's schedule with (plus its no-TZ rule), and its run times compared with the plain form's.
 */
import * as assert from "assert";
import { parseCron } from "../../config/cron";
import { parseConfig } from "../../config/load";
import { prepareConfig } from "../../render/render";

/** [schedule, the plain form the program deploys] for schedules the API server accepts. */
const ACCEPTED: [string, string][] = [
    ["0 2 * * *", "0 2 * * *"],
    ["30 3 * * *", "30 3 * * *"],
    ["*/15 * * * *", "*/15 * * * *"],
    ["0 2 * * 1-5", "0 2 * * 1-5"],
    ["0 2,14 * * *", "0 2,14 * * *"],
    ["5/15 * * * *", "5/15 * * * *"],
    ["0 0 * JAN-MAR/2 *", "0 0 * JAN-MAR/2 *"],
    ["0 3 * * MON,thu", "0 3 * * MON,thu"],
    ["0 2 * * 0-6", "0 2 * * 0-6"],
    ["0 0 29 2 *", "0 0 29 2 *"],
    ["0 0 31 4 mon", "0 0 31 4 mon"], // April has no 31st, but with both day fields set either one is enough
    ["0\t2  * *\u00a0*", "0\t2  * *\u00a0*"], // any whitespace between fields, kept as written
    ["007 2 * * *", "007 2 * * *"],
    ["*/61 * * * *", "*/61 * * * *"], // accepted: a step past the range keeps only the first value
    ["@daily", "0 0 * * *"],
    ["@midnight", "0 0 * * *"],
    ["@hourly", "0 * * * *"],
    ["@weekly", "0 0 * * 0"],
    ["@monthly", "0 0 1 * *"],
    ["@yearly", "0 0 1 1 *"],
    ["@annually", "0 0 1 1 *"],
    ["0 2 ? * *", "0 2 * * *"],
    ["0 2 ?/2 * *", "0 2 */2 * *"],
    ["*-5 * * * *", "* * * * *"], // robfig reads *-5 as *
    ["+5 2 * * *", "5 2 * * *"],
    [",5 * * * *", "5 * * * *"],
    ["0 2 * * *,", "0 2 * * *"],
    ["0 0 , jan sat", "0 0 * jan sat"],
];

/** [schedule, what the message must say] for schedules the API server refuses. */
const REFUSED: [string, string][] = [
    ["99 * * * *", "minute 99 is out of range 0-59"],
    ["60 * * * *", "minute 60 is out of range 0-59"],
    ["0 24 * * *", "hour 24 is out of range 0-23"],
    ["0 0 0 * *", "day of month 0 is out of range 1-31"],
    ["0 0 32 * *", "day of month 32 is out of range 1-31"],
    ["0 0 1 0 *", "month 0 is out of range 1-12"],
    ["0 0 1 13 *", "month 13 is out of range 1-12"],
    ["0 2 * * 7", "day of week 7 is out of range 0-6"], // robfig has no 7 for Sunday
    ["0 2 * * 1-7", "day of week 7 is out of range 0-6"],
    ["0 0 * * SAT-SUN", 'day of week range "SAT-SUN" runs backwards (6 > 0)'],
    ["5-3 * * * *", 'minute range "5-3" runs backwards (5 > 3)'],
    ["*/0 * * * *", 'minute step 0 in "*/0"'],
    ["*/x * * * *", 'minute step "x" in "*/x" is not a number'],
    ["*/-2 * * * *", 'minute step -2 in "*/-2" is negative'],
    ["1-2-3 * * * *", "minute \"1-2-3\" has more than one '-'"],
    ["*/2/3 * * * *", "minute \"*/2/3\" has more than one '/'"],
    ["x * * * *", 'minute "x" is not a number (0-59)'],
    ["0 0 1 foo *", 'month "foo" is not a number or a name such as FEB (1-12)'],
    ["0 0 L * *", 'day of month "L" is not a number (1-31)'],
    ["0 0 * * 1#2", 'day of week "1#2" is not a number or a name such as MON (0-6)'],
    ["-1 * * * *", 'minute "-1" is not a number'],
    ["0 2 * *", "has 4 fields"],
    ["0 30 3 * * *", "has 6 fields"],
    ["every night", "has 2 fields"],
    ["", "is empty"],
    [" @daily", "has 1 field"],
    ["@daily ", '"@daily " is not a descriptor Kubernetes knows'],
    ["@Daily", '"@Daily" is not a descriptor Kubernetes knows'],
    ["@nightly", '"@nightly" is not a descriptor Kubernetes knows'],
    ["TZ=UTC 0 2 * * *", "names a time zone (TZ= or CRON_TZ=), which the Kubernetes API server refuses"],
    ["CRON_TZ=Europe/Paris 0 2 * * *", "names a time zone"],
];

/** Accepted by the API server, refused here on purpose (config/cron.ts says why). */
const REFUSED_HERE: [string, string][] = [
    ["0 0 30 2 *", "never runs: no month it selects has the days of month it selects"],
    ["0 0 31 4,6 *", "never runs"],
    ["0 0 30 2 */1", "never runs"], // */1 counts as *: both day fields must match
    ["0 , * * *", "never runs: the hour field selects nothing"],
    ["0 0 , * *", "never runs: the day of month field selects nothing"],
    ["@every 6h", "@every counts from the CronJob's creation"],
];

describe("cron schedules as Kubernetes reads them (config/cron.ts)", () => {
    for (const [schedule, plain] of ACCEPTED) {
        it(`accepts ${JSON.stringify(schedule)}${plain === schedule ? "" : ` as ${JSON.stringify(plain)}`}`, () => {
            const parsed = parseCron(schedule);
            assert.ok(parsed.ok, !parsed.ok ? parsed.problem : "");
            assert.strictEqual(parsed.plain, plain);
            // The plain form is read as itself (that it runs at the same times was checked with robfig).
            const again = parseCron(plain);
            assert.ok(again.ok && again.plain === plain);
        });
    }
    for (const [schedule, message] of [...REFUSED, ...REFUSED_HERE]) {
        it(`refuses ${JSON.stringify(schedule)}: ${message}`, () => {
            const parsed = parseCron(schedule);
            assert.ok(!parsed.ok, `accepted as ${parsed.ok && JSON.stringify(parsed.plain)}`);
            assert.ok(parsed.problem.includes(message), parsed.problem);
        });
    }

    it("reads ranges, steps and names into the times they select", () => {
        const parsed = parseCron("5/20 1-3,22 */10 FEB-apr/2 MON-wed");
        assert.ok(parsed.ok);
        assert.deepStrictEqual(
            parsed.fields.map((f) => [...f].sort((a, b) => a - b)),
            [
                [5, 25, 45],
                [1, 2, 3, 22],
                [1, 11, 21, 31],
                [2, 4],
                [1, 2, 3],
            ],
        );
        assert.strictEqual(parsed.domStar, false);
    });
});

describe("cron keys in the config schema", () => {
    const raw = () => structuredClone(prepareConfig({ stack: "prod" }).raw);

    it("names the key, the bad value and the field that is out of range", () => {
        const config = raw();
        (config.backup as any).schedule = "99 * * * *";
        (config.backup as any).verifySchedule = "30 3 * * 7";
        const parsed = parseConfig(config);
        assert.ok(!parsed.ok);
        assert.deepStrictEqual(
            parsed.problems.map((p) => [p.key, p.message.split("; expected")[0]]),
            [
                ["ologywood:backup.schedule", 'got "99 * * * *"; minute 99 is out of range 0-59'],
                ["ologywood:backup.verifySchedule", 'got "30 3 * * 7"; day of week 7 is out of range 0-6'],
            ],
        );
        assert.match(parsed.problems[0].message, /; expected a 5-field cron schedule such as "0 2 \* \* \*"/);
    });

    it("deploys a descriptor as the five fields it means, and anything plain exactly as written", () => {
        const config = raw();
        (config.backup as any).schedule = "@daily";
        (config.backup as any).verifySchedule = "30  4 * * SUN";
        const parsed = parseConfig(config);
        assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
        assert.strictEqual(parsed.config.backup.schedule, "0 0 * * *");
        assert.strictEqual(parsed.config.backup.verifySchedule, "30  4 * * SUN");
    });
});
