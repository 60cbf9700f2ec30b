/**
 * The Monitoring component under setMocks (what it registers for given Args), and in the
 * rendered stacks (present when monitoring.enabled, absent otherwise).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { JSON_EXPORTER_CONFIG_FILE, Monitoring, MonitoringArgs, MONITORING_TYPE } from "../../components/monitoring";
import { JOBS } from "../../metrics/contract";
import { DB_MONITORING_SECRET } from "../../components/shared/names";
import { RegisteredResource, runUnderMocks } from "../../render/mock-run";
import { objectsOfKind, render } from "../support/render";
import { STACKS } from "./stacks";

const WEBHOOK = "https://hooks.slack.com/services/T000/B000/very-secret-token";
const ROUTING_KEY = "R0UT1NG-KEY-very-secret-0123456789";

const args: MonitoringArgs = {
    namespace: "ologywood-test",
    labels: { instance: "ologywood-test", version: "2.0.0" },
    selectorLabels: { release: "kps" },
    prometheusNamespace: "prom",
    app: { metricsPath: "/metrics" },
    database: { cidr: "10.9.0.0/24", port: 6432 },
    backup: { schedule: "0 2 * * *", jobDeadlineSeconds: 3600 },
    slack: { webhookUrl: WEBHOOK, channel: "#ologywood-deployment" },
    pagerDutyRoutingKey: ROUTING_KEY,
    images: { jsonExporter: "quay.io/prometheuscommunity/json-exporter:v0.7.0", postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.18.1" },
};

const kindOf = (r: RegisteredResource) => r.state?.kind ?? r.type;
const named = (rs: RegisteredResource[], kind: string, name: string) => {
    const found = rs.find((r) => kindOf(r) === kind && r.state?.metadata?.name === name);
    assert.ok(
        found,
        `no ${kind} ${name}; have ${rs
            .filter((r) => kindOf(r) === kind)
            .map((r) => r.state?.metadata?.name)
            .join(", ")}`,
    );
    return found.state;
};

describe("monitoring: the Monitoring component", function () {
    this.timeout(120_000);
    let rs: RegisteredResource[];
    before(async () => {
        rs = await runUnderMocks("test", {}, () => new Monitoring("monitoring", args));
    });

    it("registers as ologywood:monitoring:Monitoring with everything it makes as its children", () => {
        const component = rs.find((r) => r.type === MONITORING_TYPE)!;
        assert.ok(component);
        for (const r of rs.filter((x) => x.custom)) assert.equal(r.parent, component.urn, `${r.name} is not a child of the component`);
        assert.deepEqual(
            rs
                .filter((r) => r.custom)
                .map(kindOf)
                .sort(),
            [
                "AlertmanagerConfig",
                "ConfigMap",
                "ConfigMap",
                "Deployment",
                "Deployment",
                "NetworkPolicy",
                "NetworkPolicy",
                "NetworkPolicy",
                "PodDisruptionBudget",
                "PodDisruptionBudget",
                "PodMonitor",
                "PrometheusRule",
                "Secret",
                "Service",
                "Service",
                "ServiceAccount",
                "ServiceAccount",
                "ServiceMonitor",
                "ServiceMonitor",
            ],
        );
    });

    it("keeps the Slack webhook and the PagerDuty key secret: only in a Secret, marked secret, referenced by name", () => {
        const secret = named(rs, "Secret", "ologywood-alerting");
        assert.deepEqual(secret.stringData, { "slack-webhook-url": "[secret]", "pagerduty-routing-key": "[secret]" });
        const text = JSON.stringify(rs.map((r) => [r.inputs, r.state]));
        assert.ok(!text.includes("very-secret"), "a secret value appears in plaintext");
        assert.ok(!text.includes(Buffer.from(WEBHOOK).toString("base64")));
        const amc = named(rs, "AlertmanagerConfig", "ologywood").spec;
        const slack = amc.receivers.find((r: any) => r.slackConfigs).slackConfigs[0];
        assert.deepEqual(slack.apiURL, { name: "ologywood-alerting", key: "slack-webhook-url" });
        assert.equal(slack.channel, "#ologywood-deployment");
        const pager = amc.receivers.find((r: any) => r.pagerdutyConfigs).pagerdutyConfigs[0];
        assert.deepEqual(pager.routingKey, { name: "ologywood-alerting", key: "pagerduty-routing-key" });
    });

    it("routes critical to the pager and Slack, warning to Slack", () => {
        const route = named(rs, "AlertmanagerConfig", "ologywood").spec.route;
        const receiversFor = (severity: string) =>
            route.routes.filter((r: any) => r.matchers.some((m: any) => m.name === "severity" && m.value === severity)).map((r: any) => r.receiver);
        assert.deepEqual(receiversFor("critical"), ["pager", "slack"]);
        assert.equal(route.routes[0].continue, true, "the pager route must let the alert go on to Slack");
        assert.deepEqual(receiversFor("warning"), ["slack"]);
    });

    it("labels the operator's objects so that Prometheus and Alertmanager select them", () => {
        for (const kind of ["PrometheusRule", "PodMonitor", "ServiceMonitor", "AlertmanagerConfig"]) {
            for (const r of rs.filter((x) => kindOf(x) === kind)) assert.equal(r.state.metadata.labels.release, "kps", `${kind} ${r.state.metadata.name}`);
        }
    });

    it("loads json-exporter.yml as it is and rolls the exporter when it changes", () => {
        const cm = named(rs, "ConfigMap", JOBS.jsonExporter);
        assert.equal(cm.data["config.yml"], readFileSync(JSON_EXPORTER_CONFIG_FILE, "utf8"));
        const pod = named(rs, "Deployment", JOBS.jsonExporter).spec.template;
        assert.match(pod.metadata.annotations["checksum/config"], /^[0-9a-f]{16}$/);
        assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === "config").configMap, { name: JOBS.jsonExporter });
    });

    it("probes every API pod through json_exporter, one target per pod", () => {
        const ep = named(rs, "PodMonitor", JOBS.appMetrics).spec.podMetricsEndpoints[0];
        assert.equal(ep.port, "http");
        assert.equal(ep.path, "/probe");
        assert.deepEqual(ep.params, { module: ["ologywood"] });
        assert.deepEqual(
            ep.relabelings.map((r: any) => r.targetLabel),
            ["__param_target", "__address__", "instance", "job"],
        );
        assert.equal(ep.relabelings[1].replacement, "ologywood-json-exporter.ologywood-test.svc:7979");
        assert.equal(ep.relabelings[3].replacement, JOBS.appMetrics);
    });

    it("gives postgres_exporter the monitoring role's DSN from its Secret, never a literal", () => {
        const [c] = named(rs, "Deployment", JOBS.postgresExporter).spec.template.spec.containers;
        const dsn = c.env.find((e: any) => e.name === "DATA_SOURCE_NAME");
        assert.deepEqual(dsn.valueFrom, { secretKeyRef: { name: DB_MONITORING_SECRET.name, key: DB_MONITORING_SECRET.key } });
        assert.equal(c.image, args.images.postgresExporter);
    });

    it("runs both exporters as hardened pods under their own ServiceAccount", () => {
        for (const name of [JOBS.jsonExporter, JOBS.postgresExporter]) {
            const spec = named(rs, "Deployment", name).spec.template.spec;
            assert.equal(spec.serviceAccountName, name);
            assert.equal(named(rs, "ServiceAccount", name).automountServiceAccountToken, false);
            assert.equal(spec.securityContext.runAsNonRoot, true);
            for (const c of spec.containers) {
                assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
                assert.ok(c.resources.limits.memory && c.readinessProbe && c.livenessProbe, `${name}: limits and probes`);
            }
        }
    });

    it("lets exactly the scrapes through: Prometheus to the exporters, json_exporter to the API, postgres_exporter to the database", () => {
        const policies = rs.filter((r) => kindOf(r) === "NetworkPolicy").map((r) => r.state.spec);
        const fromProm = {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prom" } } }],
            ports: [{ protocol: "TCP", port: "http-metrics" }],
        };
        const json = policies.find((p) => p.podSelector.matchLabels["app.kubernetes.io/name"] === JOBS.jsonExporter)!;
        assert.deepEqual(json.ingress, [fromProm]);
        assert.deepEqual(json.egress, [
            {
                to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "ologywood-api", "app.kubernetes.io/instance": "ologywood-test" } } }],
                ports: [{ protocol: "TCP", port: "http" }],
            },
        ]);
        const api = policies.find((p) => p.podSelector.matchLabels["app.kubernetes.io/name"] === "ologywood-api")!;
        assert.deepEqual(api.ingress, [
            {
                from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": JOBS.jsonExporter, "app.kubernetes.io/instance": "ologywood-test" } } }],
                ports: [{ protocol: "TCP", port: "http" }],
            },
        ]);
        assert.equal(api.egress, undefined);
        const pg = policies.find((p) => p.podSelector.matchLabels["app.kubernetes.io/name"] === JOBS.postgresExporter)!;
        assert.deepEqual(pg.ingress, [fromProm]);
        assert.deepEqual(pg.egress, [{ to: [{ ipBlock: { cidr: "10.9.0.0/24" } }], ports: [{ protocol: "TCP", port: 6432 }] }]);
    });

    it("builds the rules and the dashboard for the namespace it is given", () => {
        const rule = named(rs, "PrometheusRule", "ologywood-rules");
        assert.ok(JSON.stringify(rule.spec).includes('namespace=\\"ologywood-test\\"'));
        assert.deepEqual(Object.keys(named(rs, "ConfigMap", "ologywood-dashboard").data), ["ologywood-ologywood-test.json"]);
    });

    for (const stack of STACKS) {
        it(`is part of the rendered ${stack} stack, and left out when monitoring.enabled is false`, async () => {
            const on = await render(stack);
            assert.equal(objectsOfKind(on, "PrometheusRule").length, 1);
            assert.equal(objectsOfKind(on, "AlertmanagerConfig").length, 1);
            const off = await render(stack, ["monitoring.enabled=false"]);
            for (const kind of ["PrometheusRule", "PodMonitor", "ServiceMonitor", "AlertmanagerConfig"]) assert.equal(objectsOfKind(off, kind).length, 0, kind);
            assert.ok(!off.resources.some((r) => r.type === MONITORING_TYPE));
        });
    }
});
