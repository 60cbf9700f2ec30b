/**
 * What a real cluster's add-ons do and kwok does not, done by the rehearsal in the open, through
 * the API as those controllers would (docs/rehearsal.md):
 *   - a volume provisioner for the storage class the rehearsal's stacks use: a PersistentVolume
 *     made for each pending claim of that class, pre-bound to it (claimRef), as external
 *     provisioners do; the kubernetes provider waits for a claim to be Bound
 *     (pulumi-kubernetes provider/pkg/await/awaiters.go, untilCoreV1PersistentVolumeClaimReady);
 *   - an ingress controller for the stacks' IngressClass: it writes status.loadBalancer.ingress,
 *     which the provider's Ingress await requires (provider/pkg/await/ingress.go, "Ingress
 *     .status.loadBalancer field was not updated with a hostname/IP address").
 * The pods themselves are kwok's: Ready (Deployments), Succeeded (Jobs), no containers run.
 */
import * as path from "path";
import { KubeClient } from "./kube";

export const STORAGE_CLASS = "rehearsal-local";
export const PROVISIONER = "rehearsal.ologywood.local/hostpath";
export const INGRESS_CONTROLLER = "rehearsal.ologywood.local/ingress";

export interface ControllerEvents {
    /** One line per thing done, for the log. */
    log: (line: string) => void;
}

export class StandInControllers {
    private timer?: NodeJS.Timeout;
    private busy = false;
    readonly provisioned: string[] = [];
    readonly ingressesPublished: string[] = [];
    lastError?: string;

    constructor(
        private readonly kube: KubeClient,
        private readonly volumesDir: string,
        private readonly ingressClass: string,
        private readonly events: ControllerEvents,
    ) {}

    /** Installs the StorageClass and IngressClass they serve, then reconciles every second. */
    async start(): Promise<void> {
        await this.kube.post("/apis/storage.k8s.io/v1/storageclasses", {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: STORAGE_CLASS },
            provisioner: PROVISIONER,
            reclaimPolicy: "Delete",
            volumeBindingMode: "Immediate",
        });
        await this.kube.post("/apis/networking.k8s.io/v1/ingressclasses", {
            apiVersion: "networking.k8s.io/v1",
            kind: "IngressClass",
            metadata: { name: this.ingressClass },
            spec: { controller: INGRESS_CONTROLLER },
        });
        this.timer = setInterval(() => void this.tick(), 1000);
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }

    private async tick(): Promise<void> {
        if (this.busy) return;
        this.busy = true;
        try {
            await this.provisionVolumes();
            await this.publishIngresses();
            this.lastError = undefined;
        } catch (e) {
            // The API server may be busy or stopping; the next second tries again.
            if (this.lastError !== (e as Error).message) this.events.log(`stand-in controllers: ${(e as Error).message}`);
            this.lastError = (e as Error).message;
        } finally {
            this.busy = false;
        }
    }

    private async provisionVolumes(): Promise<void> {
        const claims = await this.kube.list<any>("/api/v1/persistentvolumeclaims");
        for (const pvc of claims) {
            if (pvc.spec?.storageClassName !== STORAGE_CLASS || pvc.status?.phase !== "Pending" || pvc.spec?.volumeName) continue;
            const name = `pvc-${pvc.metadata.uid}`;
            if (await this.kube.get(`/api/v1/persistentvolumes/${name}`)) continue;
            await this.kube.post("/api/v1/persistentvolumes", {
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": PROVISIONER } },
                spec: {
                    capacity: { storage: pvc.spec.resources?.requests?.storage ?? "1Gi" },
                    accessModes: pvc.spec.accessModes ?? ["ReadWriteOnce"],
                    storageClassName: STORAGE_CLASS,
                    persistentVolumeReclaimPolicy: "Delete",
                    volumeMode: pvc.spec.volumeMode ?? "Filesystem",
                    claimRef: {
                        apiVersion: "v1",
                        kind: "PersistentVolumeClaim",
                        namespace: pvc.metadata.namespace,
                        name: pvc.metadata.name,
                        uid: pvc.metadata.uid,
                    },
                    // Nothing mounts it: kwok runs no containers.
                    hostPath: { path: path.join(this.volumesDir, name), type: "DirectoryOrCreate" },
                },
            });
            this.provisioned.push(`${pvc.metadata.namespace}/${pvc.metadata.name}`);
            this.events.log(
                `provisioner: PersistentVolume ${name} for claim ${pvc.metadata.namespace}/${pvc.metadata.name} (${pvc.spec.resources?.requests?.storage})`,
            );
        }
    }

    private async publishIngresses(): Promise<void> {
        const ingresses = await this.kube.list<any>("/apis/networking.k8s.io/v1/ingresses");
        for (const ing of ingresses) {
            if (ing.spec?.ingressClassName !== this.ingressClass || (ing.status?.loadBalancer?.ingress ?? []).length > 0) continue;
            const { namespace, name } = ing.metadata;
            await this.kube.patch(`/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}/status`, {
                status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } },
            });
            this.ingressesPublished.push(`${namespace}/${name}`);
            this.events.log(`ingress controller: Ingress ${namespace}/${name} published at 127.0.0.1`);
        }
    }
}
