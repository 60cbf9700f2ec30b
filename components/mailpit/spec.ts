/**
 * Pure builders for the Mailpit mail catcher (https://mailpit.axllent.org): the container and the
 * port-forward command. No resources here, so they are tested without mocks.
 *
 * Facts taken from the Mailpit source (axllent/mailpit v1.30.5: cmd/root.go, config/config.go,
 * server/server.go, Dockerfile): SMTP listens on 1025, the web UI and REST API on 8025, POP3 (1110)
 * starts only when POP3 credentials are set; `/livez` and `/readyz` on the HTTP port are the
 * Kubernetes probes; every flag has an `MP_*` environment variable; without `MP_DATABASE` the
 * SQLite database is a temporary file in os.TempDir(). The image's entrypoint is `/mailpit`
 * and it runs as root unless told otherwise, which it does not need.
 */
import * as k8s from "@pulumi/kubernetes";
import type { Resources } from "../../config/types";
import { containerResources } from "../shared/workload";

type Container = k8s.types.input.core.v1.Container;

export const MAILPIT = {
    /** Name of the Deployment, Service and ServiceAccount, and the `app.kubernetes.io/name` label. */
    name: "ologywood-mailpit",
    /** `app.kubernetes.io/component` label. */
    component: "mail-catcher",
    smtpPort: 1025,
    /** Web UI and REST API (`/api/v1/...`), plus the probes. */
    httpPort: 8025,
    /** The SQLite database: on the pod's /tmp emptyDir, so it survives container restarts. */
    database: "/tmp/mailpit.db",
} as const;

export interface MailpitContainerArgs {
    image: string;
    maxMessages: number;
    resources: Resources;
}

/** The Mailpit container. Security contexts and the /tmp mount come from hardenedPodSpec. */
export function mailpitContainer(args: MailpitContainerArgs): Container {
    const env: Record<string, string> = {
        // IPv4 wildcard: Mailpit's default `[::]` fails to bind on nodes with IPv6 disabled.
        MP_SMTP_BIND_ADDR: `0.0.0.0:${MAILPIT.smtpPort}`,
        MP_UI_BIND_ADDR: `0.0.0.0:${MAILPIT.httpPort}`,
        // The root filesystem is read-only; /tmp is the pod's writable emptyDir.
        MP_DATABASE: MAILPIT.database,
        MP_MAX_MESSAGES: String(args.maxMessages),
        // The email service logs in with the real SMTP user and password over plain SMTP (Mailpit
        // has no certificate here): accept any credentials, and allow them without TLS.
        MP_SMTP_AUTH_ACCEPT_ANY: "true",
        MP_SMTP_AUTH_ALLOW_INSECURE: "true",
        // No reverse DNS per connection (slow inside a cluster), no call home (egress is denied anyway).
        MP_SMTP_DISABLE_RDNS: "true",
        MP_DISABLE_VERSION_CHECK: "true",
    };
    return {
        name: "mailpit",
        image: args.image,
        env: Object.entries(env).map(([name, value]) => ({ name, value })),
        ports: [
            { name: "smtp", containerPort: MAILPIT.smtpPort, protocol: "TCP" },
            { name: "http", containerPort: MAILPIT.httpPort, protocol: "TCP" },
        ],
        // /readyz answers 503 until the database answers; /livez only says the process serves HTTP.
        readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
        livenessProbe: { httpGet: { path: "/livez", port: "http" }, periodSeconds: 10, failureThreshold: 6 },
        resources: containerResources(args.resources),
    };
}

/**
 * How the release pipeline (and a person) reaches the REST API: a port-forward through the
 * Kubernetes API server. The container runtime (containerd, CRI-O) then dials localhost:8025
 * inside the pod's network namespace, which NetworkPolicies do not filter; RBAC (`create` on
 * `pods/portforward` in the namespace) is the access control. So no policy opens port 8025 and
 * nothing of the mail catcher is exposed. It works because Mailpit listens on 0.0.0.0, which
 * includes loopback.
 */
export function portForwardCommand(namespace: string, localPort: number = MAILPIT.httpPort): string {
    return `kubectl --namespace ${namespace} port-forward service/${MAILPIT.name} ${localPort}:${MAILPIT.httpPort}`;
}
