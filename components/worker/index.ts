import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackgroundWorkloadArgs, createBackgroundWorkload } from "../shared/background";
import { WORKLOADS } from "../shared/names";
import { COMPONENT_TYPES } from "../shared/types";

export type WorkerArgs = BackgroundWorkloadArgs;

/** The background worker: the app image with the worker command; talks to the database only. */
export class Worker extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: WorkerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.worker, name, {}, opts);
        this.deployment = createBackgroundWorkload(this, name, WORKLOADS.worker, "worker", args);
        this.registerOutputs({ deploymentName: this.deployment.metadata.name });
    }
}
