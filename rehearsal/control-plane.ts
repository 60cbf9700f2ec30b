/**
 * The local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok-controller as local processes started by `kwokctl --runtime binary`
 * from the built binaries (docs/rehearsal.md), every one listening on 127.0.0.1 only (kwokctl's
 * `bindAddress` option), with Secrets encrypted at rest in etcd, one fake node, and the
 * prometheus-operator CRDs the program's monitoring objects need (maintained upstream files from
 * the tool cache, applied with kubectl).
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ProcessGroup, RunResult } from "./processes";
import { Layout, RehearsalState } from "./state";
import { Tools } from "./tools";

export const CLUSTER_NAME = "ologywood-rehearsal";

export interface ControlPlane {
    name: string;
    kubeconfig: string;
    kubernetesVersion: string;
    /** The control plane's processes, from kwokctl's pid files. */
    pids: Record<string, number>;
}

/** kwokctl's environment: its work folder and the built tools first (it runs `kubectl` itself). */
export function kwokEnv(bin: string, workdir: string, kubeconfig?: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        KWOK_WORKDIR: workdir,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
    };
}

function check(result: RunResult, what: string): RunResult {
    if (result.code !== 0)
        throw new Error(`${what} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n")}`);
    return result;
}

export async function startControlPlane(
    tools: Tools,
    l: Layout,
    procs: ProcessGroup,
    logFile: string,
    recordState: (cluster: NonNullable<RehearsalState["cluster"]>) => void,
): Promise<ControlPlane> {
    fs.mkdirSync(l.kwok, { recursive: true });
    const config = path.join(l.kwok, "kwokctl.yaml");
    // Every component on loopback: kwokctl's default is 0.0.0.0 (etcd without authentication on every interface).
    fs.writeFileSync(
        config,
        ["apiVersion: config.kwok.x-k8s.io/v1alpha1", "kind: KwokctlConfiguration", "options:", "  bindAddress: 127.0.0.1", ""].join("\n"),
    );
    // Secrets encrypted at rest, as a hardened cluster keeps them: etcd's files under DIR hold no secret in plaintext.
    const encryption = path.join(l.kwok, "encryption.yaml");
    fs.writeFileSync(
        encryption,
        [
            "apiVersion: apiserver.config.k8s.io/v1",
            "kind: EncryptionConfiguration",
            "resources:",
            "  - resources: [secrets]",
            "    providers:",
            "      - aescbc:",
            "          keys:",
            `            - { name: rehearsal, secret: ${randomBytes(32).toString("base64")} }`,
            "      - identity: {}",
            "",
        ].join("\n"),
        { mode: 0o600 },
    );

    const env = kwokEnv(tools.bin, l.kwok);
    const cluster = { name: CLUSTER_NAME, kwokctl: tools.path.kwokctl, bin: tools.bin, workdir: l.kwok, kubeconfig: l.kubeconfig };
    recordState(cluster);
    check(
        await procs.run(
            tools.path.kwokctl,
            [
                "-c",
                config,
                "--name",
                CLUSTER_NAME,
                "create",
                "cluster",
                "--runtime",
                "binary",
                "--etcd-binary",
                tools.path.etcd,
                "--kube-apiserver-binary",
                tools.path["kube-apiserver"],
                "--kube-controller-manager-binary",
                tools.path["kube-controller-manager"],
                "--kube-scheduler-binary",
                tools.path["kube-scheduler"],
                "--kwok-controller-binary",
                tools.path.kwok,
                "--extra-args",
                "kube-apiserver=advertise-address=127.0.0.1",
                "--extra-args",
                `kube-apiserver=encryption-provider-config=${encryption}`,
                "--kubeconfig",
                l.kubeconfig,
                "--wait",
                "3m",
            ],
            { env, logFile, timeoutMs: 300_000 },
        ),
        "kwokctl create cluster",
    );
    check(
        await procs.run(tools.path.kwokctl, ["--name", CLUSTER_NAME, "scale", "node", "--replicas", "1"], { env, logFile, timeoutMs: 120_000 }),
        "kwokctl scale node",
    );

    const kubectlEnv = kwokEnv(tools.bin, l.kwok, l.kubeconfig);
    const version = check(await procs.run(tools.path.kubectl, ["version", "-o", "json"], { env: kubectlEnv, logFile, timeoutMs: 60_000 }), "kubectl version");
    const kubernetesVersion = JSON.parse(version.stdout).serverVersion?.gitVersion ?? "unknown";
    check(
        await procs.run(tools.path.kubectl, ["wait", "--for=condition=Ready", "node", "--all", "--timeout=120s"], {
            env: kubectlEnv,
            logFile,
            timeoutMs: 150_000,
        }),
        "kubectl wait node Ready",
    );
    return { name: CLUSTER_NAME, kubeconfig: l.kubeconfig, kubernetesVersion, pids: controlPlanePids(l.kwok, CLUSTER_NAME) };
}

/** The prometheus-operator CRDs from the tool cache, applied and established. */
export async function applyCrds(tools: Tools, l: Layout, procs: ProcessGroup, logFile: string): Promise<string[]> {
    const env = kwokEnv(tools.bin, l.kwok, l.kubeconfig);
    check(await procs.run(tools.path.kubectl, ["apply", "--server-side", "-f", tools.crds], { env, logFile, timeoutMs: 180_000 }), "kubectl apply CRDs");
    const names = check(await procs.run(tools.path.kubectl, ["get", "crd", "-o", "name"], { env, logFile, timeoutMs: 60_000 }), "kubectl get crd")
        .stdout.split("\n")
        .filter(Boolean);
    check(
        await procs.run(tools.path.kubectl, ["wait", "--for=condition=Established", ...names, "--timeout=120s"], { env, logFile, timeoutMs: 150_000 }),
        "kubectl wait CRDs Established",
    );
    return names.map((n) => n.replace(/^.*\//, ""));
}

/** The command line of a running process, or undefined when it is gone. */
export function commandLineOf(pid: number): string | undefined {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
        return undefined;
    }
}

export function controlPlanePids(workdir: string, name: string): Record<string, number> {
    const dir = path.join(workdir, "clusters", name, "pids");
    if (!fs.existsSync(dir)) return {};
    return Object.fromEntries(
        fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".pid"))
            .map((f) => [f.replace(/\.pid$/, ""), Number(fs.readFileSync(path.join(dir, f), "utf8").trim())]),
    );
}

/**
 * Stops the control plane (kwokctl kills the processes of its pid files and removes the
 * cluster's folder), after copying the components' logs to `logsDir`.
 */
export async function stopControlPlane(cluster: NonNullable<RehearsalState["cluster"]>, procs: ProcessGroup, logsDir: string, logFile: string): Promise<void> {
    const clusterLogs = path.join(cluster.workdir, "clusters", cluster.name, "logs");
    if (fs.existsSync(clusterLogs)) {
        fs.mkdirSync(logsDir, { recursive: true });
        for (const f of fs.readdirSync(clusterLogs)) fs.copyFileSync(path.join(clusterLogs, f), path.join(logsDir, f));
    }
    if (!fs.existsSync(path.join(cluster.workdir, "clusters", cluster.name))) return;
    const pids = controlPlanePids(cluster.workdir, cluster.name);
    const result = await procs.run(cluster.kwokctl, ["--name", cluster.name, "delete", "cluster", "--kubeconfig", cluster.kubeconfig], {
        env: kwokEnv(cluster.bin, cluster.workdir),
        logFile,
        timeoutMs: 120_000,
    });
    // Whatever kwokctl said, no component may outlive the rehearsal.
    for (const pid of Object.values(pids)) {
        if (commandLineOf(pid)?.includes(cluster.workdir)) process.kill(pid, "SIGKILL");
    }
    check(result, "kwokctl delete cluster");
}
