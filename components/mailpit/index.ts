/**
 * Mailpit: a mail catcher for staging (config `mailpit.enabled`), so the release pipeline's smoke
 * test can check that a booking really sends its `booking_request` email. The email service's
 * SMTP is pointed at `smtpHost:smtpPort` (program.ts); the pipeline reads the REST API through
 * `kubectl port-forward` (see portForwardCommand in spec.ts and docs/ci.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MAILPIT_IMAGE } from "../../config/release";
import { Resources } from "../../config/types";
import { LabelContext, recommendedLabels, selectorLabels } from "../shared/labels";
import { hardenedPodSpec } from "../shared/pod";
import { MAILPIT, mailpitContainer, mailpitVersion, portForwardCommand, senderEgressPolicy, smtpIngressPolicy } from "./spec";

export { MAILPIT, portForwardCommand } from "./spec";

export const MAILPIT_TYPE = "ologywood:mailpit:Mailpit";

export interface MailpitArgs {
    /** Namespace of the stack (the namespace component creates it). */
    namespace: pulumi.Input<string>;
    /** The stack's label context; the `version` label of Mailpit's objects is Mailpit's image tag instead. */
    labels: LabelContext;
    /** Selector labels of the pods that send mail (the email service): the only SMTP clients allowed. */
    senderSelector: Record<string, string>;
    /** Image with a fixed tag. @default MAILPIT_IMAGE (config/release.ts) */
    image?: string;
    /** Messages kept before the oldest are pruned. @default 500 */
    maxMessages?: number;
    /** @default requests 10m / 32Mi, limits 250m / 128Mi */
    resources?: Resources;
}

export class Mailpit extends pulumi.ComponentResource {
    /** In-cluster SMTP host name for the email service: `<service>.<namespace>.svc`. */
    readonly smtpHost: pulumi.Output<string>;
    readonly smtpPort: number = MAILPIT.smtpPort;
    /** Service port of the web UI and REST API (reach it with `portForward`). */
    readonly apiPort: number = MAILPIT.httpPort;
    /** The command that makes the REST API reachable on http://127.0.0.1:8025. */
    readonly portForward: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: MailpitArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MAILPIT_TYPE, name, {}, opts);
        const image = args.image ?? MAILPIT_IMAGE;
        const ctx: LabelContext = { ...args.labels, version: mailpitVersion(image) };
        const labels = recommendedLabels(ctx, MAILPIT.name, MAILPIT.component);
        const selector = selectorLabels(ctx, MAILPIT.name);
        const metadata = (suffix = "") => ({ name: `${MAILPIT.name}${suffix}`, namespace: args.namespace, labels });

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-serviceaccount`, {
            metadata: metadata(),
            automountServiceAccountToken: false,
        }, { parent: this });

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: metadata(),
            spec: {
                replicas: 1,
                // One mailbox at a time: a rolling update would split messages between two pods.
                strategy: { type: "Recreate" },
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: hardenedPodSpec({
                        serviceAccountName: MAILPIT.name,
                        containers: [mailpitContainer({
                            image,
                            maxMessages: args.maxMessages ?? 500,
                            resources: args.resources ?? {
                                requests: { cpu: "10m", memory: "32Mi" },
                                limits: { cpu: "250m", memory: "128Mi" },
                            },
                        })],
                        // Holds the SQLite database (MAILPIT.database).
                        tmpSizeLimit: "256Mi",
                    }),
                },
            },
        }, { parent: this, dependsOn: [serviceAccount] }); // pods cannot start before their ServiceAccount

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: metadata(),
            spec: {
                type: "ClusterIP",
                selector,
                ports: [
                    { name: "smtp", port: MAILPIT.smtpPort, targetPort: "smtp", protocol: "TCP" },
                    { name: "http", port: MAILPIT.httpPort, targetPort: "http", protocol: "TCP" },
                ],
            },
        }, { parent: this });

        this.networkPolicies = [
            new k8s.networking.v1.NetworkPolicy(`${name}-smtp-ingress`, {
                metadata: metadata("-smtp-from-senders"),
                spec: smtpIngressPolicy(selector, args.senderSelector),
            }, { parent: this }),
            new k8s.networking.v1.NetworkPolicy(`${name}-sender-egress`, {
                metadata: metadata("-senders-to-smtp"),
                spec: senderEgressPolicy(selector, args.senderSelector),
            }, { parent: this }),
        ];

        this.smtpHost = pulumi.interpolate`${this.service.metadata.name}.${this.service.metadata.namespace}.svc`;
        this.portForward = pulumi.output(args.namespace).apply((ns) => portForwardCommand(ns));
        this.registerOutputs({
            smtpHost: this.smtpHost,
            smtpPort: this.smtpPort,
            apiPort: this.apiPort,
            portForward: this.portForward,
        });
    }
}
