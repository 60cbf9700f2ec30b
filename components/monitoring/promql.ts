/**
 * Tiny PromQL helpers for the rule and dashboard builders: selectors built from data, so every
 * expression gets the stack's namespace matcher the same way.
 */

/** A regex matcher value (`=~`); plain strings are equality matchers. */
export interface Regex {
    re: string;
}
export const re = (pattern: string): Regex => ({ re: pattern });

export type Matchers = Record<string, string | Regex>;

/** `metric{a="x",b=~"y"}` with matchers in the order given. */
export function sel(metric: string, matchers: Matchers): string {
    const parts = Object.entries(matchers).map(([k, v]) => (typeof v === "string" ? `${k}=${quote(v)}` : `${k}=~${quote(v.re)}`));
    return `${metric}{${parts.join(",")}}`;
}

function quote(v: string): string {
    return JSON.stringify(v);
}

/** Seconds as a Prometheus duration (`90061` -> `1d1h1m1s`), for readable rule text. */
export function promDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`expected a positive whole number of seconds, got ${seconds}`);
    const units: [string, number][] = [
        ["d", 86400],
        ["h", 3600],
        ["m", 60],
        ["s", 1],
    ];
    let rest = seconds;
    let out = "";
    for (const [u, n] of units) {
        const q = Math.floor(rest / n);
        if (q > 0) out += `${q}${u}`;
        rest -= q * n;
    }
    return out;
}

/** A Prometheus duration (`1h30m`, `5m`, `2d`) in seconds. */
export function durationSeconds(d: string): number {
    const m = /^((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?$/.exec(d);
    if (!m || d === "") throw new Error(`expected a duration such as 5m or 1h30m, got ${JSON.stringify(d)}`);
    return Number(m[2] ?? 0) * 86400 + Number(m[4] ?? 0) * 3600 + Number(m[6] ?? 0) * 60 + Number(m[8] ?? 0);
}
