/** Shared shapes for kube-state-metrics based alerts about our Deployments. */
import { KUBE_STATE_METRICS as KSM, LABELS } from "../../../metrics/contract";
import { sel } from "../promql";

const BY = `${LABELS.namespace}, deployment`;

/**
 * Value: the desired replicas, when the Deployment wants pods but none is available. A paused
 * stack (replicas 0) does not match.
 */
export function noneAvailable(namespace: string, deployment: string): string {
    const m = { [LABELS.namespace]: namespace, deployment };
    return `max by (${BY}) (${sel(KSM.deploymentSpecReplicas, m)}) > 0\n` + `and on (${BY})\nmax by (${BY}) (${sel(KSM.deploymentAvailableReplicas, m)}) == 0`;
}

/** Value: how many desired replicas are not available, per Deployment of the namespace. */
export function missingReplicas(namespace: string): string {
    const m = { [LABELS.namespace]: namespace };
    return `(\n  max by (${BY}) (${sel(KSM.deploymentSpecReplicas, m)})\n-\n  max by (${BY}) (${sel(KSM.deploymentAvailableReplicas, m)})\n) > 0`;
}
