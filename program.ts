/**
 * The stack, composed from its components. index.ts feeds it the parsed config; the offline
 * render and the tests call it the same way under the mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import type { OlogywoodConfig } from "./config/schema";
import { ApiService } from "./components/api";
import { Backups, RestoreStatus } from "./components/backups";
import { Database } from "./components/database";
import { EmailService } from "./components/email";
import { Mailpit } from "./components/mailpit";
import { Maintenance } from "./components/maintenance";
import { Monitoring } from "./components/monitoring";
import { StackNamespace } from "./components/namespace";
import { PostDeployCheck } from "./components/postdeploy";
import { LabelContext, selectorLabels } from "./components/shared/labels";
import { DB_BACKUP_SECRET, DB_OWNER_SECRET, WORKLOADS } from "./components/shared/names";
import { Worker } from "./components/worker";

export interface StackOutputs {
    url: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    imageTag: string;
    maintenance: boolean;
    /** ologywood_<stack>. */
    databaseName: string;
    /** The requested restore's outcome while `ologywood:backup.restore` is set (read by db:restore). */
    databaseRestore?: pulumi.Output<RestoreStatus>;
    /** How to reach staging's mail catcher API (the smoke test's --mail-url); absent without Mailpit. */
    mailpit?: { portForward: pulumi.Output<string>; apiPort: number; apiUrl: pulumi.Output<string> };
}

export function deployStack(config: OlogywoodConfig): StackOutputs {
    const labels: LabelContext = { instance: config.namespace, version: config.imageTag };
    const image = `${config.imageRepository}:${config.imageTag}`;
    // How clients reach the API: the Ingress's host over HTTPS, unless the stack says otherwise.
    const publicUrl = config.publicUrl ?? `https://${config.domain}`;

    // Children take namespace.name (an Output of the Namespace), which orders them after it.
    const namespace = new StackNamespace("ologywood", { name: config.namespace, labels });

    const database = new Database("database", {
        namespace: namespace.name,
        labels,
        server: config.db,
        management:
            config.db.mode === "external"
                ? // The schema requires the credentials in external mode and the admin in managed mode.
                  {
                      mode: "external",
                      passwords: pulumi.secret(config.db.credentials!) as unknown as Record<"app" | "backup" | "monitoring" | "owner", pulumi.Input<string>>,
                  }
                : { mode: "managed", admin: { user: config.db.adminUser!, password: config.db.adminPassword! } },
        appConnectionLimit: config.db.appConnectionLimit,
        parallelJobs: config.backup.parallelJobs,
        protect: config.db.protect,
    });

    const backups = new Backups("backups", {
        namespace: namespace.name,
        labels,
        databaseName: database.databaseName,
        verifyDatabaseName: database.verifyDatabaseName,
        credentials: { backup: DB_BACKUP_SECRET.name, owner: DB_OWNER_SECRET.name },
        server: { cidr: config.db.cidr, port: config.db.port },
        imageTag: config.imageTag,
        skipPreDeployFor: config.backup.skipPreDeployFor,
        image: config.backup.image,
        schedule: config.backup.schedule,
        verifySchedule: config.backup.verifySchedule,
        retentionDays: config.backup.retentionDays,
        storageSize: config.backup.storageSize,
        storageClass: config.backup.storageClass,
        jobDeadlineSeconds: config.backup.jobDeadlineSeconds,
        parallelJobs: config.backup.parallelJobs,
        compression: config.backup.compression,
        restore: config.backup.restore,
        protect: config.db.protect,
        after: [database],
    });

    const common = {
        namespace: namespace.name,
        labels,
        image,
        env: config.app.env,
        database: { cidr: config.db.cidr, port: config.db.port },
        // No new version rolls out before this release's backup is taken and verified.
        rolloutAfter: backups.preDeployBackup ? [backups.preDeployBackup] : [],
    };

    const maintenance = new Maintenance("maintenance", {
        namespace: namespace.name,
        labels,
        ingressControllerNamespace: config.ingress.controllerNamespace,
    });

    const api = new ApiService("api", {
        ...common,
        command: config.api.command,
        port: config.app.port,
        healthPath: config.app.healthPath,
        replicas: config.api.replicas,
        maxReplicas: config.api.maxReplicas,
        targetCpuUtilizationPercent: config.api.targetCpuUtilizationPercent,
        paused: config.paused,
        resources: config.api.resources,
        domain: config.domain,
        publicUrl,
        ingress: config.ingress,
        prometheusNamespace: config.monitoring.prometheusNamespace,
        maintenanceBackend: config.maintenance ? { serviceName: maintenance.serviceName, port: maintenance.port } : undefined,
    });

    const worker = new Worker("worker", {
        ...common,
        command: config.worker.command,
        replicas: config.worker.replicas,
        paused: config.paused,
        heartbeat: config.worker.heartbeat,
        resources: config.worker.resources,
    });

    // Staging's mail catcher: the email service sends to it instead of the relay, so the smoke
    // test can find the booking email. Never on a production tier stack (the schema refuses it).
    const mailpit = config.mailpit.enabled
        ? new Mailpit("mailpit", {
              namespace: namespace.name,
              labels,
              senderSelector: selectorLabels(labels, WORKLOADS.email),
              image: config.mailpit.image,
              maxMessages: config.mailpit.maxMessages,
              resources: config.mailpit.resources,
          })
        : undefined;

    const email = new EmailService("email", {
        ...common,
        command: config.email.command,
        replicas: config.email.replicas,
        paused: config.paused,
        heartbeat: config.email.heartbeat,
        resources: config.email.resources,
        smtp: {
            ...config.smtp,
            // Mailpit's own policy lets the email pods in; no egress to the outside relay is needed.
            ...(mailpit ? { host: mailpit.smtpHost, port: mailpit.smtpPort, cidr: undefined } : {}),
            password: pulumi.secret(config.smtp.password),
        },
    });

    // Alerts, scrapes, exporters and the dashboard; needs prometheus-operator in the cluster.
    if (config.monitoring.enabled) {
        new Monitoring("monitoring", {
            namespace: namespace.name,
            labels,
            selectorLabels: config.monitoring.ruleSelectorLabels,
            prometheusNamespace: config.monitoring.prometheusNamespace,
            app: { metricsPath: config.app.metricsPath },
            database: { cidr: config.db.cidr, port: config.db.port },
            backup: config.backup,
            // The schema requires both secrets while monitoring is enabled.
            slack: { webhookUrl: pulumi.secret(config.slack.webhookUrl ?? ""), channel: config.slack.channel },
            pagerDutyRoutingKey: pulumi.secret(config.monitoring.pagerDutyRoutingKey ?? ""),
            images: { jsonExporter: config.monitoring.jsonExporterImage, postgresExporter: config.monitoring.postgresExporterImage },
            businessMetrics: config.monitoring.businessMetrics,
        });
    }

    // A paused stack has no API to answer; everything else is checked through the public URL.
    const { enabled: postDeployCheck, ...checkSettings } = config.postDeployCheck;
    if (postDeployCheck && !config.paused) {
        new PostDeployCheck("post-deploy", {
            url: publicUrl,
            healthPath: config.app.healthPath,
            imageTag: config.imageTag,
            maintenance: config.maintenance,
            ...checkSettings,
            after: [api, worker, email, maintenance],
        });
    }

    return {
        url: api.url,
        namespace: namespace.name,
        imageTag: config.imageTag,
        maintenance: config.maintenance,
        databaseName: database.databaseName,
        databaseRestore: backups.restore,
        mailpit: mailpit && { portForward: mailpit.portForward, apiPort: mailpit.apiPort, apiUrl: mailpit.apiUrl },
    };
}
