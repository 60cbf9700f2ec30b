/**
 * Mailpit: a mail catcher for staging (config `mailpit.enabled`), so the release pipeline's smoke
 * test can check that a booking really sends its `booking_request` email. program.ts points the
 * email service's SMTP at `smtpHost:smtpPort`; the pipeline reads the REST API through
 * `kubectl port-forward` (`portForward`; see spec.ts and docs/ci.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../../config/types";
import { LabelContext } from "../shared/labels";
import { allowPolicy, fromPods, toPods } from "../shared/network";
import { hardenedPodSpec } from "../shared/pod";
import { disruptionBudget, serviceAccount, workloadLabels } from "../shared/workload";
import { MAILPIT, mailpitContainer, portForwardCommand } from "./spec";
import { COMPONENT_TYPES } from "../shared/types";

export { MAILPIT, portForwardCommand } from "./spec";

export const MAILPIT_TYPE = COMPONENT_TYPES.mailpit;

export interface MailpitArgs {
    /** Namespace of the stack (the namespace component's output, which orders Mailpit after it). */
    namespace: pulumi.Input<string>;
    labels: LabelContext;
    /** Selector labels of the pods that send mail (the email service): the only SMTP clients allowed. */
    senderSelector: Record<string, string>;
    /** Image with a fixed version tag (config `mailpit.image`). */
    image: string;
    /** Messages kept before the oldest are pruned (config `mailpit.maxMessages`). */
    maxMessages: number;
    /** Requests and limits (config `mailpit.resources`). */
    resources: Resources;
}

export class Mailpit extends pulumi.ComponentResource {
    /** In-cluster SMTP host name for the email service: `<service>.<namespace>.svc`. */
    readonly smtpHost: pulumi.Output<string>;
    readonly smtpPort: number = MAILPIT.smtpPort;
    /** Service port of the web UI and REST API; reach it with `portForward`. */
    readonly apiPort: number = MAILPIT.httpPort;
    /** The command that makes the REST API reachable on http://127.0.0.1:8025. */
    readonly portForward: pulumi.Output<string>;
    /** The REST API's in-cluster URL, `http://<service>.<namespace>:<port>` (the release's smoke test reaches it through a port-forward). */
    readonly apiUrl: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: MailpitArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MAILPIT_TYPE, name, {}, opts);
        const { all: labels, selector } = workloadLabels(args.labels, MAILPIT.name, MAILPIT.component);
        const meta = { name: MAILPIT.name, namespace: args.namespace, labels };

        const account = serviceAccount(`${name}-sa`, { namespace: args.namespace, labels, accountName: MAILPIT.name }, this);

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta,
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    // One mailbox at a time: during a rolling update mail could land in the pod on its way out.
                    strategy: { type: "Recreate" },
                    template: {
                        metadata: { labels },
                        spec: hardenedPodSpec({
                            serviceAccountName: account.metadata.name,
                            containers: [mailpitContainer({ image: args.image, maxMessages: args.maxMessages, resources: args.resources })],
                            // Holds the SQLite database (MAILPIT.database).
                            tmpSizeLimit: "256Mi",
                        }),
                    },
                },
            },
            { parent: this },
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta,
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: "smtp", port: MAILPIT.smtpPort, targetPort: "smtp", protocol: "TCP" },
                        { name: "http", port: MAILPIT.httpPort, targetPort: "http", protocol: "TCP" },
                    ],
                },
            },
            { parent: this },
        );

        // Same shape as every workload's; with one replica it never blocks a node drain.
        disruptionBudget(`${name}-pdb`, { namespace: args.namespace, labels, selector, pdbName: MAILPIT.name }, this);

        this.networkPolicies = [
            // Mailpit takes SMTP from the senders only, and makes no connection itself.
            allowPolicy(
                `${name}-network`,
                {
                    namespace: args.namespace,
                    labels,
                    podLabels: selector,
                    ingress: [fromPods(args.senderSelector, MAILPIT.smtpPort)],
                    egress: [],
                },
                { parent: this },
            ),
            // The senders' own policy allows the configured SMTP relay, not a pod of the namespace.
            allowPolicy(
                `${name}-senders`,
                {
                    namespace: args.namespace,
                    labels,
                    podLabels: args.senderSelector,
                    egress: [toPods(selector, MAILPIT.smtpPort)],
                },
                { parent: this },
            ),
        ];

        this.smtpHost = pulumi.interpolate`${this.service.metadata.name}.${this.service.metadata.namespace}.svc`;
        this.portForward = pulumi.output(args.namespace).apply((ns) => portForwardCommand(ns));
        this.apiUrl = pulumi.interpolate`http://${this.service.metadata.name}.${this.service.metadata.namespace}:${this.apiPort}`;
        this.registerOutputs({
            apiUrl: this.apiUrl,
            smtpHost: this.smtpHost,
            smtpPort: this.smtpPort,
            apiPort: this.apiPort,
            portForward: this.portForward,
        });
    }
}
