/**
 * Cron schedules as the Kubernetes API server reads a CronJob's `spec.schedule`: robfig/cron v3's
 * standard parser (`cron.ParseStandard`, v3.0.1, the version Kubernetes vendors) plus the API
 * server's own rule that the schedule contains no `TZ` (the CronJob's `timeZone` field says it).
 * A schedule the API server would refuse is refused here, with the field and the expected range
 * named, before `pulumi up` runs the pre-deploy backup.
 *
 * What the parser accepts (and so do we): five fields separated by whitespace; in each field a
 * comma-separated list of `*` or `?`, a number, a range `a-b`, each optionally with a step `/n`
 * (`5/15` means `5-max/15`); month names JAN-DEC and day names SUN-SAT in any case; day of week
 * 0-6 (7 is NOT Sunday here: robfig refuses it, so does the API server); and the descriptors
 * @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly and `@every <duration>`.
 *
 * Where we differ, on purpose, because the program could not use what Kubernetes accepts:
 *   - a schedule that never runs (`0 0 30 2 *`) is refused: nothing would ever be backed up, and
 *     the backup-age alert (components/monitoring/cron.ts) cannot compute its gap;
 *   - `@every <duration>` is refused: its runs count from the CronJob's creation, not the clock,
 *     so no alert can say when the next backup is due;
 *   - spellings the backup-age alert's reader does not know are written out in the plain form
 *     the parser gives them (`plain`): the descriptors as their five fields (`@daily` is
 *     `0 0 * * *`), `?` as `*`, `*-5` as `*` (robfig ignores what follows `*`), `+5` as `5`,
 *     empty list items dropped (a day field left empty by that as `*`, which means the same).
 *     Any other schedule is kept exactly as written.
 */

export interface CronField {
    name: string;
    min: number;
    max: number;
    names?: readonly string[];
}

export const CRON_FIELDS: readonly CronField[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** robfig's descriptors, as the five fields they stand for (parser.go, parseDescriptor). */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

export type CronResult = { ok: true; plain: string; fields: Set<number>[]; domStar: boolean; dowStar: boolean } | { ok: false; problem: string };

/** Go's strings.Fields splits on unicode.IsSpace; JavaScript's \s differs (U+FEFF, U+0085). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/;

/** Go's strconv.Atoi: an optional sign and decimal digits, within 64 bits. */
const ATOI = /^[+-]?\d+$/;
const INT64_MAX = 2n ** 63n - 1n;

class CronProblem extends Error {}

export function parseCron(schedule: string): CronResult {
    try {
        return parse(schedule);
    } catch (e) {
        if (e instanceof CronProblem) return { ok: false, problem: e.message };
        throw e;
    }
}

function parse(schedule: string): CronResult {
    if (schedule.length === 0) throw new CronProblem("is empty");
    if (schedule.includes("TZ")) {
        throw new CronProblem(
            "names a time zone (TZ= or CRON_TZ=), which the Kubernetes API server refuses in a CronJob's schedule; the backup CronJobs run in UTC",
        );
    }
    let spec = schedule;
    if (spec.startsWith("@")) {
        if (spec.startsWith("@every ")) {
            throw new CronProblem(
                '@every counts from the CronJob\'s creation, not the clock, so the backup-age alert cannot know when a backup is due; use five fields, e.g. "0 */6 * * *" for every 6 hours',
            );
        }
        const fields = CRON_DESCRIPTORS[spec];
        if (fields === undefined)
            throw new CronProblem(`${JSON.stringify(spec)} is not a descriptor Kubernetes knows (${Object.keys(CRON_DESCRIPTORS).join(", ")})`);
        spec = fields;
    }
    const parts = spec.split(GO_SPACE).filter((p) => p !== "");
    if (parts.length !== 5) throw new CronProblem(`has ${parts.length} field${parts.length === 1 ? "" : "s"}`);
    const parsed = parts.map((text, i) => parseField(text, CRON_FIELDS[i]));
    // An empty day field (`,`) leaves the other day field alone to decide, which is what `*` says.
    const plainParts = parsed.map((p) => p.plain || "*");
    const result = {
        fields: parsed.map((p) => p.values),
        domStar: parsed[2].star,
        dowStar: parsed[4].star,
    };
    const never = neverRuns(result);
    if (never) throw new CronProblem(`never runs: ${never}`);
    const rewritten = spec !== schedule || plainParts.some((p, i) => p !== parts[i]);
    return { ok: true, plain: rewritten ? plainParts.join(" ") : schedule, ...result };
}

/** A comma-separated list; robfig skips empty items (strings.FieldsFunc). */
function parseField(text: string, field: CronField): { values: Set<number>; star: boolean; plain: string } {
    const values = new Set<number>();
    let star = false;
    const plain: string[] = [];
    for (const item of text.split(",").filter((i) => i !== "")) {
        const range = parseRange(item, field);
        range.values.forEach((v) => values.add(v));
        star ||= range.star;
        plain.push(range.plain);
    }
    return { values, star, plain: plain.join(",") };
}

/** `number | name | * | ?`, optionally `-number`, optionally `/step` (parser.go, getRange). */
function parseRange(item: string, field: CronField): { values: number[]; star: boolean; plain: string } {
    const rangeAndStep = item.split("/");
    const lowAndHigh = rangeAndStep[0].split("-");
    const single = lowAndHigh.length === 1;
    let start: number,
        end: number,
        star = false,
        plain: string;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
        [start, end, star, plain] = [field.min, field.max, true, "*"];
    } else {
        start = number(lowAndHigh[0], field, item);
        plain = plainToken(lowAndHigh[0]);
        if (lowAndHigh.length === 2) {
            end = number(lowAndHigh[1], field, item);
            plain += `-${plainToken(lowAndHigh[1])}`;
        } else if (lowAndHigh.length === 1) {
            end = start;
        } else {
            throw new CronProblem(`${field.name} ${JSON.stringify(item)} has more than one '-' (a range is low-high, such as 1-5)`);
        }
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
        const text = rangeAndStep[1];
        if (!ATOI.test(text) || BigInt(text) > INT64_MAX || BigInt(text) < -INT64_MAX - 1n) {
            throw new CronProblem(`${field.name} step ${JSON.stringify(text)} in ${JSON.stringify(item)} is not a number`);
        }
        step = Number(text);
        if (step < 0) throw new CronProblem(`${field.name} step ${text} in ${JSON.stringify(item)} is negative (a step is at least 1)`);
        if (single) end = field.max;
        if (step > 1) star = false;
        plain += `/${plainToken(text)}`;
    } else if (rangeAndStep.length > 2) {
        throw new CronProblem(`${field.name} ${JSON.stringify(item)} has more than one '/' (a step is written once, such as */15)`);
    }
    if (start < field.min) throw new CronProblem(`${field.name} ${start} is out of range ${field.min}-${field.max}`);
    if (end > field.max) throw new CronProblem(`${field.name} ${end} is out of range ${field.min}-${field.max}`);
    if (start > end) throw new CronProblem(`${field.name} range ${JSON.stringify(item)} runs backwards (${start} > ${end})`);
    if (step === 0) throw new CronProblem(`${field.name} step 0 in ${JSON.stringify(item)} (a step is at least 1)`);
    const values: number[] = [];
    for (let v = start; v <= end; v += step) values.push(v);
    return { values, star, plain };
}

/** parseIntOrName: a name of the field (any case) or what strconv.Atoi reads, never negative. */
function number(text: string, field: CronField, item: string): number {
    const byName = field.names?.indexOf(text.toLowerCase()) ?? -1;
    if (byName >= 0) return byName + field.min;
    const namesHint = field.names ? ` or a name such as ${field.names[1].toUpperCase()}` : "";
    if (!ATOI.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new CronProblem(`${field.name} ${JSON.stringify(text === "" ? item : text)} is not a number${namesHint} (${field.min}-${field.max})`);
    }
    const n = Number(text);
    if (n < 0) throw new CronProblem(`${field.name} ${text} is negative (${field.min}-${field.max})`);
    return n;
}

/** A number without its `+` sign (strconv.Atoi reads "+5" as 5); names and leading zeros as written. */
function plainToken(text: string): string {
    return text.startsWith("+") ? text.slice(1) : text;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why a schedule can never fire, or undefined when it can. As robfig (spec.go, dayMatches): when
 * either day field has a `*` both must match, otherwise either one; every weekday falls on every
 * day of a month in some year, and February 29 comes every four years.
 */
function neverRuns(s: { fields: Set<number>[]; domStar: boolean; dowStar: boolean }): string | undefined {
    const [minutes, hours, days, months, weekdays] = s.fields;
    for (const [set, i] of [
        [minutes, 0],
        [hours, 1],
        [months, 3],
    ] as const) {
        if (set.size === 0) return `the ${CRON_FIELDS[i].name} field selects nothing`;
    }
    const someDayExists = [...months].some((m) => [...days].some((d) => d <= DAYS_IN_MONTH[m - 1]));
    if (s.domStar || s.dowStar) {
        if (days.size === 0 || weekdays.size === 0) return `the ${days.size === 0 ? "day of month" : "day of week"} field selects nothing`;
        if (!someDayExists) return "no month it selects has the days of month it selects";
        return undefined;
    }
    return someDayExists || weekdays.size > 0 ? undefined : "no month it selects has the days of month it selects, and no day of week is selected";
}
