/**
 * The rehearsal's independent checks: after each command, what really happened, asked of the
 * real tools and not of the command's own output: kubectl for the cluster, psql for the
 * database, the Pulumi CLI for the stacks' history and state, and a byte scan of DIR for
 * secrets. Each check returns the facts it saw; a wrong fact is a failed check (CheckFailed).
 */
import * as fs from "fs";
import * as path from "path";
import { WORKLOADS } from "../components/shared/names";
import { numberHistory } from "../pipeline/history";
import { ProcessGroup } from "./processes";
import { PgServer } from "../tests/support/postgres";

export class CheckFailed extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("; "));
        this.name = "CheckFailed";
    }
}

/** Collects problems; `done` throws them all at once, or returns the facts. */
export class Expectations {
    readonly problems: string[] = [];
    readonly facts: string[] = [];

    expect(ok: boolean, fact: string, problem: string): void {
        if (ok) this.facts.push(fact);
        else this.problems.push(problem);
    }

    done(): string {
        if (this.problems.length > 0) throw new CheckFailed(this.problems);
        return this.facts.join("; ");
    }
}

export interface Tooling {
    procs: ProcessGroup;
    kubectl: string;
    pulumi: string;
    env: NodeJS.ProcessEnv;
    /** The project copy: where the Pulumi CLI finds the project and its stack files. */
    cwd: string;
    logFile: string;
}

export async function kubectlJson<T = any>(t: Tooling, args: string[], options: { secretOutput?: boolean } = {}): Promise<T> {
    const r = await t.procs.run(t.kubectl, [...args, "-o", "json"], { env: t.env, logFile: t.logFile, timeoutMs: 60_000, secretOutput: options.secretOutput });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as T;
}

export async function pulumiJson<T = any>(t: Tooling, args: string[]): Promise<T> {
    const r = await t.procs.run(t.pulumi, args, { cwd: t.cwd, env: t.env, logFile: t.logFile, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as T;
}

const tagOf = (image: string | undefined) => image?.slice(image.lastIndexOf(":") + 1);

/**
 * A stack as it should be after an update: the app's Deployments run `tag` and are rolled out,
 * the Ingress routes to the API or the maintenance page, the backup claim is Bound, every
 * Job's pod finished, every other pod Running and Ready. `program` checks the maintenance page
 * the pods serve against a program's file (which commit's program ran).
 */
export async function checkStack(
    t: Tooling,
    namespace: string,
    want: { tag: string; maintenance: boolean; maintenanceHtml?: string; paused?: boolean },
): Promise<string> {
    const e = new Expectations();
    // The provider's await ends when the new pods are available; the old ones may still be on their
    // way out (kwok deletes them over a few seconds). Let the rollout settle before counting.
    if (!want.paused) {
        for (const name of [WORKLOADS.api, WORKLOADS.worker, WORKLOADS.email]) {
            await t.procs.run(t.kubectl, ["-n", namespace, "rollout", "status", `deployment/${name}`, "--timeout=90s"], {
                env: t.env,
                logFile: t.logFile,
                timeoutMs: 120_000,
            });
        }
    }
    const deployments = (await kubectlJson(t, ["-n", namespace, "get", "deployments"])).items as any[];
    for (const name of [WORKLOADS.api, WORKLOADS.worker, WORKLOADS.email]) {
        const d = deployments.find((x) => x.metadata.name === name);
        const tag = tagOf(d?.spec?.template?.spec?.containers?.[0]?.image);
        const wanted = d?.spec?.replicas ?? 1;
        const ready = d?.status?.readyReplicas ?? 0;
        e.expect(tag === want.tag, `${name} runs ${tag}`, `${name} runs ${tag ?? "(no Deployment)"}, expected ${want.tag}`);
        e.expect(
            want.paused ? wanted === 0 : ready === wanted && wanted > 0 && (d?.status?.updatedReplicas ?? 0) === wanted,
            `${name} ${ready}/${wanted} ready`,
            `${name} has ${ready}/${wanted} ready and ${d?.status?.updatedReplicas ?? 0} updated${want.paused ? " (expected 0 wanted while paused)" : ""}`,
        );
    }
    const ingress = await kubectlJson(t, ["-n", namespace, "get", "ingress", WORKLOADS.api]);
    const backends = (ingress.spec?.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service?.name)) as string[];
    const expected = want.maintenance ? WORKLOADS.maintenance : WORKLOADS.api;
    e.expect(
        backends.length > 0 && backends.every((b) => b === expected),
        `Ingress -> ${expected}`,
        `Ingress routes to ${backends.join(", ") || "nothing"}, expected ${expected}`,
    );
    e.expect((ingress.status?.loadBalancer?.ingress ?? []).length > 0, "Ingress published", "the Ingress has no status.loadBalancer");
    const claims = (await kubectlJson(t, ["-n", namespace, "get", "pvc"])).items as any[];
    e.expect(
        claims.length > 0 && claims.every((c) => c.status?.phase === "Bound"),
        `${claims.length} claim(s) Bound`,
        `claims: ${claims.map((c) => `${c.metadata.name} ${c.status?.phase}`).join(", ") || "none"}`,
    );
    const jobs = (await kubectlJson(t, ["-n", namespace, "get", "jobs"])).items as any[];
    const unfinished = jobs.filter((j) => !(j.status?.conditions ?? []).some((c: any) => c.type === "Complete" && c.status === "True"));
    e.expect(
        unfinished.length === 0,
        `${jobs.length} Job(s) complete (${jobs.map((j) => j.metadata.name).join(", ")})`,
        `Jobs not complete: ${unfinished.map((j) => j.metadata.name).join(", ")}`,
    );
    const pods = (await kubectlJson(t, ["-n", namespace, "get", "pods"])).items as any[];
    const jobPods = pods.filter((p) => (p.metadata.ownerReferences ?? []).some((o: any) => o.kind === "Job"));
    const servingPods = pods.filter((p) => !jobPods.includes(p) && !p.metadata.deletionTimestamp);
    const notReady = servingPods.filter(
        (p) => p.status?.phase !== "Running" || !(p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
    );
    e.expect(
        notReady.length === 0 && (want.paused || servingPods.length > 0),
        `${servingPods.length} pods Running and Ready`,
        `pods not Running/Ready: ${notReady.map((p) => `${p.metadata.name} ${p.status?.phase}`).join(", ") || "none at all"}`,
    );
    e.expect(
        jobPods.every((p) => p.status?.phase === "Succeeded"),
        `${jobPods.length} Job pod(s) Succeeded`,
        `Job pods not Succeeded: ${jobPods
            .filter((p) => p.status?.phase !== "Succeeded")
            .map((p) => p.metadata.name)
            .join(", ")}`,
    );
    if (want.maintenanceHtml !== undefined) {
        const deployment = deployments.find((x) => x.metadata.name === WORKLOADS.maintenance);
        const configMap = (deployment?.spec?.template?.spec?.volumes ?? []).find((v: any) => v.configMap)?.configMap?.name;
        const html = configMap ? (await kubectlJson(t, ["-n", namespace, "get", "configmap", configMap])).data?.["maintenance.html"] : undefined;
        e.expect(
            html === want.maintenanceHtml,
            `maintenance page from the expected program (ConfigMap ${configMap})`,
            `the maintenance page in ConfigMap ${configMap ?? "(none)"} is not the expected program's`,
        );
    }
    return e.done();
}

/**
 * The Namespace's Pod Security admission really enforces `restricted`: the label is there, and
 * the API server refuses a pod that breaks the profile (asked with --dry-run=server: nothing is
 * created), while the controllers' pods of the program were admitted.
 */
export async function checkPodSecurity(t: Tooling, namespace: string): Promise<string> {
    const e = new Expectations();
    const ns = await kubectlJson(t, ["get", "namespace", namespace]);
    const enforce = ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    e.expect(enforce === "restricted", "namespace enforces restricted", `pod-security.kubernetes.io/enforce is ${enforce ?? "absent"}`);
    const refused = await t.procs.run(
        t.kubectl,
        ["-n", namespace, "run", "rehearsal-non-compliant", "--image=busybox:1.36", "--restart=Never", "--dry-run=server", "--", "true"],
        { env: t.env, logFile: t.logFile, timeoutMs: 60_000 },
    );
    const message = refused.stderr.trim().split("\n")[0];
    e.expect(
        refused.code !== 0 && /violates PodSecurity "restricted/.test(refused.stderr),
        `a root pod without securityContext is refused (${message.slice(0, 160)})`,
        `a non-compliant pod was not refused by PodSecurity (exit ${refused.code}: ${message || refused.stdout.trim()})`,
    );
    const pods = (await kubectlJson(t, ["-n", namespace, "get", "pods"])).items as any[];
    e.expect(pods.length > 0, `${pods.length} pods of the program were admitted under it`, "no pod of the program exists in the namespace");
    return e.done();
}

/**
 * The credentials the program put in the Kubernetes Secrets log in to the DBA's server as the
 * right roles (the server is reached on loopback here; the pods would use db.host). Values are
 * read into this process only, never printed.
 */
export async function checkDatabaseSecrets(t: Tooling, namespace: string, server: PgServer, database: string, roles: Record<string, string>): Promise<string> {
    const e = new Expectations();
    const decode = (s: any, key: string) => Buffer.from(s.data?.[key] ?? "", "base64").toString("utf8");
    const logins: { secret: string; user: string; password: string; database: string }[] = [];
    for (const name of ["ologywood-db-owner", "ologywood-db-backup"]) {
        const s = await kubectlJson(t, ["-n", namespace, "get", "secret", name], { secretOutput: true });
        logins.push({ secret: name, user: decode(s, "PGUSER"), password: decode(s, "PGPASSWORD"), database: decode(s, "PGDATABASE") });
    }
    for (const [name, key] of [
        ["ologywood-database", "DATABASE_URL"],
        ["ologywood-db-monitoring", "DATA_SOURCE_NAME"],
    ]) {
        const url = new URL(decode(await kubectlJson(t, ["-n", namespace, "get", "secret", name], { secretOutput: true }), key));
        logins.push({
            secret: name,
            user: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
            database: decodeURIComponent(url.pathname.slice(1)),
        });
    }
    for (const login of logins) {
        const r = server.tryPsql("SELECT current_user || ' ' || current_database();", login);
        const seen = r.stdout.trim();
        e.expect(
            r.status === 0 && Object.values(roles).includes(login.user) && login.database === database && seen === `${login.user} ${database}`,
            `${login.secret} logs in as ${login.user}`,
            `${login.secret} does not log in to ${database} as one of the DBA's roles (${r.status === 0 ? seen : r.stderr.trim().split("\n")[0]})`,
        );
    }
    return e.done();
}

export interface HistoryEntry {
    version: number;
    kind: string;
    result: string;
    message: string;
    config: Record<string, { value?: string; secret?: boolean }>;
}

/** `pulumi stack history --json`, oldest first; secret config values stay encrypted. */
export async function stackHistory(t: Tooling, stack: string): Promise<HistoryEntry[]> {
    // Newest first, and with a file:// backend every version is 0: numbered as the pipeline numbers them.
    const entries = numberHistory(await pulumiJson<any[]>(t, ["stack", "history", "--json", "--stack", stack]));
    return entries
        .map((h) => ({ version: h.version, kind: h.kind, result: h.result, message: h.message ?? "", config: h.config ?? {} }))
        .sort((a, b) => a.version - b.version);
}

/** The image tag of the api Deployment in `pulumi stack export` (the engine's record of the cluster). */
export async function exportedState(t: Tooling, stack: string): Promise<{ apiImage?: string; resources: number; kubernetesProviderVersion?: string }> {
    const exported = await pulumiJson<any>(t, ["stack", "export", "--stack", stack]);
    const resources = (exported.deployment?.resources ?? []) as any[];
    const api = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.outputs?.metadata?.name === WORKLOADS.api);
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes");
    return {
        apiImage: api?.outputs?.spec?.template?.spec?.containers?.[0]?.image,
        resources: resources.length,
        kubernetesProviderVersion: provider?.inputs?.version,
    };
}

/** The forms a secret travels in (cli/redact.ts): as is, URL-encoded, base64. */
export function secretForms(secret: string): { form: string; label: string }[] {
    const forms = [
        { form: secret, label: "" },
        { form: encodeURIComponent(secret), label: " (URL-encoded)" },
        { form: Buffer.from(secret).toString("base64"), label: " (base64)" },
    ];
    return forms.filter((f, i) => forms.findIndex((g) => g.form === f.form) === i);
}

/**
 * Every file under `dir` (symbolic links are not followed: node_modules is this repository's)
 * scanned byte for byte for every secret in every form. Returns what was scanned, or the files
 * and secrets (by name, never by value) that were found.
 */
export function scanForSecrets(
    dir: string,
    secrets: Record<string, string>,
    extraTexts: Record<string, string> = {},
): { files: number; bytes: number; found: string[] } {
    const needles = Object.entries(secrets).flatMap(([name, value]) =>
        secretForms(value).map((f) => ({ name: `${name}${f.label}`, bytes: Buffer.from(f.form) })),
    );
    const found: string[] = [];
    let files = 0;
    let bytes = 0;
    const scan = (label: string, content: Buffer) => {
        files++;
        bytes += content.length;
        for (const n of needles) if (content.indexOf(n.bytes) >= 0) found.push(`${label}: ${n.name}`);
    };
    const walk = (folder: string) => {
        for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
            const full = path.join(folder, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) {
                try {
                    scan(path.relative(dir, full), fs.readFileSync(full));
                } catch (e) {
                    // A socket or a file that vanished mid-scan (a log rotated): nothing to read.
                    if (!["ENOENT", "ENXIO", "EACCES"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
                }
            }
        }
    };
    walk(dir);
    for (const [label, text] of Object.entries(extraTexts)) scan(label, Buffer.from(text));
    return { files, bytes, found };
}
