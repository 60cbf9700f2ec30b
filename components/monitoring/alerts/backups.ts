/** Backups (made by the database component) as kube-state-metrics reports their CronJobs and Jobs. */
import { KUBE_STATE_METRICS as KSM, LABELS } from "../../../metrics/contract";
import { BACKUP_CRONJOBS, BACKUP_JOB_NAME_REGEX } from "../../shared/names";
import { promDuration, re, sel } from "../promql";
import { RuleArea, RuleSettings } from "../rule-types";
import { FOR, num } from "./settings";

export function backupAlerts(s: RuleSettings): RuleArea {
    const ns = LABELS.namespace;
    const cron = { [ns]: s.namespace, cronjob: BACKUP_CRONJOBS.backup };
    const by = `${ns}, cronjob`;
    // A CronJob that never succeeded has no last-success series: its creation time stands in.
    const lastSuccess = `max by (${by}) (${sel(KSM.cronJobLastSuccessfulTime, cron)})\nor\nmax by (${by}) (${sel(KSM.cronJobCreated, cron)})`;
    return {
        name: "backups",
        alerts: [
            {
                alert: "OlogywoodBackupTooOld",
                expr: `time() - (\n${lastSuccess}\n) > ${num(s.backupMaxAgeSeconds)}`,
                for: FOR.backupTooOld,
                severity: "critical",
                summary: "The latest database backup is older than its schedule allows.",
                description: `The latest successful scheduled backup of {{ $labels.namespace }} finished {{ $value | humanizeDuration }} ago (limit ${promDuration(s.backupMaxAgeSeconds)}: the schedule's longest gap, the Job's deadline and a grace period).`,
            },
            {
                alert: "OlogywoodBackupJobFailed",
                expr: `max by (${ns}, job_name) (${sel(KSM.jobFailed, { [ns]: s.namespace, job_name: re(BACKUP_JOB_NAME_REGEX), condition: "true" })}) > 0`,
                for: FOR.backupJobFailed,
                severity: "critical",
                summary: "A backup or restore Job failed.",
                description:
                    "Job {{ $labels.job_name }} in {{ $labels.namespace }} failed for good (failed = {{ $value }}): that backup, verification or restore did not happen.",
            },
        ],
    };
}
