/** Every alert area; rule-builder.ts merges them with the recording rules into one PrometheusRule. */
import { RuleArea, RuleSettings } from "../rule-types";
import { absentAlerts } from "./absent";
import { appAlerts } from "./app";
import { availabilityAlerts } from "./availability";
import { backupAlerts } from "./backups";
import { certificateAlerts } from "./certificates";
import { databaseAlerts } from "./database";
import { emailAlerts } from "./email";
import { sloAlerts } from "./slo";

export const ALERT_AREAS: ((s: RuleSettings) => RuleArea)[] = [
    availabilityAlerts,
    sloAlerts,
    appAlerts,
    databaseAlerts,
    emailAlerts,
    backupAlerts,
    certificateAlerts,
    absentAlerts,
];
