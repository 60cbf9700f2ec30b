/** The API's TLS certificate, as cert-manager reports it. */
import { CERT_MANAGER_METRICS as CM, LABELS, THRESHOLDS } from "../../../metrics/contract";
import { sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num } from "./settings";

const DAY = 86400;

export function certificateAlerts(s: RuleSettings): RuleArea {
    const ns = LABELS.namespace;
    const remaining = `min by (${ns}, name) (${sel(CM.certificateExpiration, { [ns]: s.namespace })}) - time()`;
    const t = THRESHOLDS.certificates;
    return {
        name: "certificates",
        alerts: [
            {
                alert: "OlogywoodCertificateRenewalOverdue",
                expr: `${remaining} < ${num(t.renewalOverdueDays * DAY)}`,
                for: FOR.certificateRenewalOverdue,
                severity: "warning",
                summary: "A TLS certificate was not renewed on time.",
                description: `Certificate {{ $labels.name }} in {{ $labels.namespace }} expires in {{ $value | humanizeDuration }}; cert-manager should have renewed it before ${t.renewalOverdueDays} days were left.`,
            },
            {
                alert: "OlogywoodCertificateExpiringSoon",
                expr: `${remaining} < ${num(t.expiringDays * DAY)}`,
                for: FOR.certificateExpiringSoon,
                severity: "critical",
                summary: "A TLS certificate is about to expire.",
                description: `Certificate {{ $labels.name }} in {{ $labels.namespace }} expires in {{ $value | humanizeDuration }} (less than ${t.expiringDays} days): browsers will refuse the API when it does.`,
            },
        ],
    };
}
