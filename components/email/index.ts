import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackgroundWorkloadArgs, createBackgroundWorkload } from "../shared/background";
import { recommendedLabels } from "../shared/labels";
import { APP_ENV, SMTP_SECRET, WORKLOADS } from "../shared/names";
import { toCidr } from "../shared/network";
import { COMPONENT_TYPES } from "../shared/types";

export interface EmailServiceArgs extends Omit<BackgroundWorkloadArgs, "secretEnv" | "extraEgress"> {
    smtp: {
        host: pulumi.Input<string>;
        port: pulumi.Input<number>;
        user: string;
        from: string;
        /** A secret (pulumi.secret); it goes into a Kubernetes Secret, never into the pod spec. */
        password: pulumi.Input<string>;
        /**
         * Where the relay lives, for the egress NetworkPolicy. Absent when the relay is in the
         * cluster and allows its senders itself (staging's Mailpit).
         */
        cidr?: string;
    };
}

/** The email service: sends booking emails through the SMTP relay (or staging's Mailpit). */
export class EmailService extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: EmailServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.email, name, {}, opts);

        const secret = new k8s.core.v1.Secret(
            `${name}-smtp`,
            {
                metadata: { name: SMTP_SECRET.name, namespace: args.namespace, labels: recommendedLabels(args.labels, WORKLOADS.email, "email") },
                type: "Opaque",
                stringData: { [SMTP_SECRET.key]: pulumi.secret(args.smtp.password) },
            },
            { parent: this },
        );

        this.deployment = createBackgroundWorkload(this, name, WORKLOADS.email, "email", {
            ...args,
            env: {
                ...args.env,
                [APP_ENV.smtpHost]: args.smtp.host,
                [APP_ENV.smtpPort]: pulumi.output(args.smtp.port).apply(String),
                [APP_ENV.smtpUser]: args.smtp.user,
                [APP_ENV.smtpFrom]: args.smtp.from,
            },
            secretEnv: { [APP_ENV.smtpPassword]: SMTP_SECRET },
            extraEgress: args.smtp.cidr ? [toCidr(args.smtp.cidr, args.smtp.port)] : [],
            rolloutAfter: [...(args.rolloutAfter ?? []), secret],
        });
        this.registerOutputs({ deploymentName: this.deployment.metadata.name });
    }
}
