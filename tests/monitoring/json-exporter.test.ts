/**
 * components/monitoring/json-exporter.yml, the file the program loads into json_exporter: every
 * field of the app's JSON becomes the series the contract names. (json_exporter itself is not
 * packaged for Debian, so its JSONPath subset `{ .field }` is evaluated here on a sample answer.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { JSON_EXPORTER_CONFIG_FILE } from "../../components/monitoring";
import { APP_BUSINESS_JSON_FIELDS, APP_BUSINESS_METRICS, APP_METRICS_JSON_FIELDS, APP_METRICS_SERIES, JSON_EXPORTER_MODULE } from "../../metrics/contract";

interface JsonMetric {
    name: string;
    path: string;
    help?: string;
    valuetype?: string;
    allow_missing_key?: boolean;
}

const config = parse(readFileSync(JSON_EXPORTER_CONFIG_FILE, "utf8"));
const metrics: JsonMetric[] = config?.modules?.[JSON_EXPORTER_MODULE]?.metrics ?? [];

/** json_exporter's `{ .field }` on a flat JSON object; undefined when the key is missing. */
function evaluate(path: string, doc: Record<string, unknown>): unknown {
    const m = /^\{\s*\.([A-Za-z0-9_]+)\s*\}$/.exec(path);
    assert.ok(m, `unsupported JSONPath ${path}: the tests only know { .field }`);
    return doc[m[1]];
}

describe("monitoring: json_exporter config (json-exporter.yml)", () => {
    it(`has the module the PodMonitor asks for (${JSON_EXPORTER_MODULE}) and nothing else`, () => {
        assert.deepEqual(Object.keys(config.modules), [JSON_EXPORTER_MODULE]);
    });

    it("maps every field of the app's /metrics contract to its series, required", () => {
        for (const [key, field] of Object.entries(APP_METRICS_JSON_FIELDS)) {
            const series = APP_METRICS_SERIES[key as keyof typeof APP_METRICS_SERIES];
            const m = metrics.find((x) => x.name === series);
            assert.ok(m, `no metric ${series} for field ${field}`);
            assert.equal(m.path.replace(/\s/g, ""), `{.${field}}`);
            assert.equal(m.valuetype, "gauge");
            assert.ok(!m.allow_missing_key, `${series}: the app's contract fields must not be optional`);
        }
    });

    it("maps the optional business fields to their series, tolerating their absence", () => {
        for (const [key, field] of Object.entries(APP_BUSINESS_JSON_FIELDS)) {
            const series = APP_BUSINESS_METRICS[key as keyof typeof APP_BUSINESS_METRICS];
            const m = metrics.find((x) => x.name === series);
            assert.ok(m, `no metric ${series} for field ${field}`);
            assert.equal(m.path.replace(/\s/g, ""), `{.${field}}`);
            assert.equal(m.allow_missing_key, true);
            assert.equal(m.valuetype, series.endsWith("_total") ? "counter" : "gauge", series);
        }
    });

    it("declares only those series, each with help text", () => {
        const expected = [...Object.values(APP_METRICS_SERIES), ...Object.values(APP_BUSINESS_METRICS)].sort();
        assert.deepEqual(metrics.map((m) => m.name).sort(), expected);
        for (const m of metrics) assert.ok(m.help && m.help.length > 10, `${m.name} has no help`);
    });

    it("turns the app's answer into the contract's series", () => {
        const answer = { error_rate: 0.0012, response_time_p95: 1.7, db_connections: 12, email_queue_size: 3 };
        const got = Object.fromEntries(metrics.filter((m) => !m.allow_missing_key).map((m) => [m.name, evaluate(m.path, answer)]));
        assert.deepEqual(got, {
            ologywood_error_rate: 0.0012,
            ologywood_response_time_p95_seconds: 1.7,
            ologywood_db_connections: 12,
            ologywood_email_queue_size: 3,
        });
        for (const m of metrics.filter((x) => x.allow_missing_key)) assert.equal(evaluate(m.path, answer), undefined);
    });
});
