/** Booking emails: the queue the app reports and the email service's pods. */
import { JOBS, LABELS, METRICS, THRESHOLDS } from "../../../metrics/contract";
import { WORKLOADS } from "../../shared/names";
import { sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num } from "./settings";
import { noneAvailable } from "./workload";

/** A queue above the acceptable size that has not shrunk over this window is not being delivered. */
const STALL_WINDOW = "15m";

export function emailAlerts(s: RuleSettings): RuleArea {
    const ns = LABELS.namespace;
    const queue = sel(METRICS.appEmailQueueSize, { [ns]: s.namespace, job: JOBS.appMetrics });
    const max = THRESHOLDS.acceptable.emailQueueSize;
    return {
        name: "email",
        alerts: [
            {
                alert: "OlogywoodEmailQueueBacklog",
                expr: `max by (${ns}) (${queue}) > ${num(max)}`,
                for: FOR.emailQueueBacklog,
                severity: "warning",
                summary: "Email queue above the plan's acceptable size.",
                description: `{{ $value }} booking emails are waiting in the queue of {{ $labels.namespace }} (acceptable: fewer than ${max}).`,
            },
            {
                alert: "OlogywoodEmailDeliveryStalled",
                expr: `max by (${ns}) (${queue}) > ${num(max)}\nand\nmax by (${ns}) (delta(${queue}[${STALL_WINDOW}])) >= 0`,
                for: FOR.emailDeliveryStalled,
                severity: "critical",
                summary: "Booking emails are not being delivered.",
                description: `The email queue of {{ $labels.namespace }} holds {{ $value }} emails and has not shrunk over ${STALL_WINDOW}: email delivery is failing (a rollback criterion).`,
            },
            {
                alert: "OlogywoodEmailServiceDown",
                expr: noneAvailable(s.namespace, WORKLOADS.email),
                for: FOR.emailServiceDown,
                severity: "critical",
                summary: "No email service pod is available.",
                description:
                    "None of the {{ $value }} desired email service pods of {{ $labels.namespace }} is available: booking emails are not sent (a rollback criterion).",
            },
        ],
    };
}
