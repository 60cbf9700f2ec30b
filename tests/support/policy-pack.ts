/**
 * Runs the policy pack in policy/ the way the Pulumi CLI does for `--policy-pack policy`: Pulumi's
 * own runner (@pulumi/pulumi/cmd/run-policy-pack, ts-node with type checking) in the pack's
 * directory, which prints the port of its gRPC Analyzer service; then talks to that service as the
 * engine does (GetAnalyzerInfo, Analyze). No Pulumi CLI needed.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

export const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");

// The engine's protocol modules, taken from @pulumi/pulumi's own dependencies so that the message
// classes are the very ones its generated code checks against.
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [POLICY_DIR] }));
const fromPulumi = (m: string) => require(require.resolve(m, { paths: [PULUMI_DIR] }));
const grpc = fromPulumi("@grpc/grpc-js");
const analyzerPb = fromPulumi("@pulumi/pulumi/proto/analyzer_pb");
const analyzerRpc = fromPulumi("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

export const ENFORCEMENT: Record<number, string> = Object.fromEntries(
    Object.entries(analyzerPb.EnforcementLevel as Record<string, number>).map(([k, v]) => [v, k.toLowerCase()]),
);

export interface Diagnostic {
    policy: string;
    message: string;
    enforcement: string;
}
export interface PackInfo {
    name: string;
    policies: { name: string; enforcement: string }[];
}

export interface RunningPack {
    info(): Promise<PackInfo>;
    analyze(type: string, name: string, props: Record<string, unknown>): Promise<Diagnostic[]>;
    stop(): Promise<void>;
}

function call<T>(fn: (cb: (err: Error | null, res: any) => void) => void, convert: (res: any) => T): Promise<T> {
    return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(convert(res)))));
}

export async function startPolicyPack(timeoutMs = 60000): Promise<RunningPack> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });
    // Arguments as the Pulumi language host passes them: <engine address> <program directory>.
    const child: ChildProcess = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d) => {
        stderr += d;
    });
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the policy pack printed no port within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
        child.stdout!.on("data", (d) => {
            stdout += d;
            const m = /^(\d+)\s*$/m.exec(stdout);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the policy pack exited (code ${code}) before serving:\n${stdout}\n${stderr}`));
        });
    });
    const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return {
        info: () =>
            call(
                (cb) => client.getAnalyzerInfo(new Empty(), cb),
                (res) => ({
                    name: res.getName(),
                    policies: res.getPoliciesList().map((p: any) => ({ name: p.getName(), enforcement: ENFORCEMENT[p.getEnforcementlevel()] })),
                }),
            ),
        analyze: (type, name, props) => {
            const req = new analyzerPb.AnalyzeRequest();
            req.setType(type);
            req.setName(name);
            req.setUrn(`urn:pulumi:test::ologywood::${type}::${name}`);
            req.setOptions(new analyzerPb.AnalyzerResourceOptions());
            req.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(props))));
            return call(
                (cb) => client.analyze(req, cb),
                (res) =>
                    res.getDiagnosticsList().map((d: any) => ({
                        policy: d.getPolicyname(),
                        message: d.getMessage(),
                        enforcement: ENFORCEMENT[d.getEnforcementlevel()],
                    })),
            );
        },
        stop: async () => {
            client.close();
            if (child.exitCode !== null) return;
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
        },
    };
}

/** The Pulumi type token of a Kubernetes object: `apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment`. */
export function pulumiTypeOf(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}
