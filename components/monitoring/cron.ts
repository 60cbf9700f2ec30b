/**
 * The longest gap between two runs of a 5-field cron schedule (as Kubernetes CronJobs read it,
 * in UTC), so the backup freshness alert follows each stack's backup.schedule instead of assuming
 * "daily".
 */

const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

interface Schedule {
    sets: Set<number>[];
    domStar: boolean;
    dowStar: boolean;
}

export function parseCron(expr: string): Schedule {
    const parts = expr.trim().split(/\s+/);
    if (parts.length !== 5) throw new Error(`expected a 5-field cron schedule, got ${JSON.stringify(expr)}`);
    const sets = parts.map((p, i) => parseField(p, FIELDS[i], expr));
    // Sunday is 0 or 7.
    if (sets[4].has(7)) sets[4].add(0);
    return { sets, domStar: parts[2] === "*", dowStar: parts[4] === "*" };
}

function parseField(text: string, f: (typeof FIELDS)[number], expr: string): Set<number> {
    const out = new Set<number>();
    const bad = () => new Error(`invalid ${f.name} field ${JSON.stringify(text)} in cron schedule ${JSON.stringify(expr)}`);
    const value = (v: string): number => {
        const names: readonly string[] | undefined = "names" in f ? f.names : undefined;
        const byName = names?.indexOf(v.toUpperCase()) ?? -1;
        const n = byName >= 0 ? byName + (f.name === "month" ? 1 : 0) : /^\d+$/.test(v) ? Number(v) : NaN;
        if (!(n >= f.min && n <= f.max)) throw bad();
        return n;
    };
    for (const item of text.split(",")) {
        const [range, stepText] = item.split("/");
        const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : NaN;
        if (Number.isNaN(step)) throw bad();
        let lo: number, hi: number;
        if (range === "*") [lo, hi] = [f.min, f.max];
        else if (range.includes("-")) [lo, hi] = range.split("-").map(value) as [number, number];
        else [lo, hi] = [value(range), stepText === undefined ? value(range) : f.max];
        if (lo > hi) throw bad();
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

function matches(s: Schedule, d: Date): boolean {
    const [min, hour, dom, month, dow] = s.sets;
    if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
    const domOk = dom.has(d.getUTCDate());
    const dowOk = dow.has(d.getUTCDay());
    // Classic cron: when both day fields are restricted, either one matching is enough.
    if (!s.domStar && !s.dowStar) return domOk || dowOk;
    return domOk && dowOk;
}

/** Longest time between consecutive runs, in seconds, over a leap-year cycle. */
export function maxCronIntervalSeconds(expr: string): number {
    const s = parseCron(expr);
    const start = Date.UTC(2024, 0, 1);
    const end = Date.UTC(2032, 0, 1);
    let first: number | undefined,
        prev: number | undefined,
        maxGap = 0;
    const d = new Date(0);
    for (let t = start; t < end; t += 60_000) {
        d.setTime(t);
        if (!matches(s, d)) continue;
        if (prev !== undefined) maxGap = Math.max(maxGap, t - prev);
        first ??= t;
        prev = t;
    }
    if (first === undefined || prev === undefined) throw new Error(`cron schedule ${JSON.stringify(expr)} never runs`);
    if (first === prev) throw new Error(`cron schedule ${JSON.stringify(expr)} runs only once in eight years`);
    return maxGap / 1000;
}
