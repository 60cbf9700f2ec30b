/**
 * Who hears about an alert (AlertmanagerConfig, monitoring.coreos.com/v1alpha1): critical goes to
 * the pager and to Slack, warning to Slack. Webhook URL and routing key are read from a
 * Kubernetes Secret (apiURL / routingKey are SecretKeySelectors), never written into the CR.
 * The operator adds a `namespace=<this namespace>` matcher, so only this stack's alerts arrive.
 */
import { LABELS } from "../../metrics/contract";

export const ALERTING_SECRET_KEYS = { slackWebhookUrl: "slack-webhook-url", pagerDutyRoutingKey: "pagerduty-routing-key" } as const;
export const RECEIVERS = { pager: "pager", slack: "slack" } as const;

export interface AlertmanagerConfigArgs {
    /** Secret holding ALERTING_SECRET_KEYS. */
    secretName: string;
    /** Slack channel, e.g. #ologywood-deployment. */
    slackChannel: string;
}

const severity = (value: string) => ({ name: LABELS.severity, matchType: "=", value });

export function alertmanagerConfigSpec(a: AlertmanagerConfigArgs) {
    return {
        route: {
            receiver: RECEIVERS.slack,
            groupBy: ["alertname", LABELS.namespace],
            groupWait: "30s",
            groupInterval: "5m",
            repeatInterval: "4h",
            routes: [
                // continue: the same critical alert also reaches Slack through the next route.
                { receiver: RECEIVERS.pager, matchers: [severity("critical")], groupWait: "10s", repeatInterval: "1h", continue: true },
                { receiver: RECEIVERS.slack, matchers: [severity("critical")], groupWait: "10s", repeatInterval: "1h" },
                { receiver: RECEIVERS.slack, matchers: [severity("warning")] },
            ],
        },
        receivers: [
            {
                name: RECEIVERS.pager,
                pagerdutyConfigs: [
                    {
                        routingKey: { name: a.secretName, key: ALERTING_SECRET_KEYS.pagerDutyRoutingKey },
                        severity: "critical",
                        sendResolved: true,
                    },
                ],
            },
            {
                name: RECEIVERS.slack,
                slackConfigs: [
                    {
                        apiURL: { name: a.secretName, key: ALERTING_SECRET_KEYS.slackWebhookUrl },
                        channel: a.slackChannel,
                        sendResolved: true,
                        title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}, {{ .CommonLabels.namespace }})",
                        text: "{{ range .Alerts }}{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
                        color: '{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}',
                    },
                ],
            },
        ],
    };
}
