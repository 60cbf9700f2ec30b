import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

const REPO = path.resolve(__dirname, "..", "..");

function runRender(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(REPO, "cli", "render.ts"), ...args],
            { cwd: REPO },
            (error, stdout, stderr) => resolve({ code: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

describe("npm run render (cli/render.ts)", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("writes manifests.yaml and resources.json, and prints a preview-like summary", async () => {
        const out = path.join(tmp, "prod");
        const result = await runRender(["prod", "--out", out]);
        assert.strictEqual(result.code, 0, result.stderr);
        const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")).map((d) => d.toJSON());
        assert.ok(docs.length > 20);
        assert.ok(docs.every((d) => d.apiVersion && d.kind && d.metadata?.name));
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
        assert.ok(resources.some((r: any) => r.type === "ologywood:api:ApiService"));
        assert.ok(resources.every((r: any) => "type" in r && "name" in r && "inputs" in r));
        assert.match(result.stdout, /kubernetes:apps\/v1:Deployment\s+\d+/);
        assert.match(result.stderr, /ologywood:db\.adminPassword is not set; rendering with a placeholder/);
        assert.deepStrictEqual(fs.readdirSync(tmp), ["prod"], "no temporary directory left behind");
        assert.deepStrictEqual(fs.readdirSync(out).sort(), [".ologywood-output", "manifests.yaml", "resources.json"], "no temporary file left behind");
    });

    it("applies --set like `pulumi config set --path`, values parsed as YAML, prefix optional", async () => {
        const out = path.join(tmp, "o");
        const result = await runRender([
            "staging",
            "--out",
            out,
            "--set",
            "ologywood:api.maxReplicas=7",
            "--set",
            "maintenance=true",
            "--set",
            "smtp.password=S3cr3t-On-Stdout?",
        ]);
        assert.strictEqual(result.code, 0, result.stderr);
        const text = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
        assert.match(text, /maxReplicas: 7\n/);
        assert.match(text, /name: ologywood-maintenance\n\s+port:/);
        for (const file of ["manifests.yaml", "resources.json"]) {
            assert.ok(!fs.readFileSync(path.join(out, file), "utf8").includes("S3cr3t-On-Stdout"), `secret in ${file}`);
        }
        assert.ok(!(result.stdout + result.stderr).includes("S3cr3t-On-Stdout"), "secret on the console");
    });

    it("exits 2 on bad config (refused), naming every key, and writes nothing", async () => {
        const out = path.join(tmp, "bad");
        const result = await runRender(["prod", "--out", out, "--set", "api.replicas=2", "--set", "imageTag=latest"]);
        assert.strictEqual(result.code, 2);
        assert.match(result.stderr, /ologywood:api\.replicas: got 2; expected >= 3/);
        assert.match(result.stderr, /ologywood:imageTag: got "latest"/);
        assert.match(result.stderr, /Nothing was written/);
        assert.ok(!fs.existsSync(out));
    });

    it("keeps a previous render intact when the new one fails", async () => {
        const out = path.join(tmp, "keep");
        assert.strictEqual((await runRender(["staging", "--out", out])).code, 0);
        const before = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
        assert.strictEqual((await runRender(["staging", "--out", out, "--set", "namespace=Bad_Name"])).code, 2);
        assert.strictEqual(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"), before);
    });

    for (const [args, pattern] of [
        [[], /missing argument <stack>; expected one of: prod, staging/],
        [["qa"], /no stack 'qa' \(there is no Pulumi\.qa\.yaml\); expected one of: prod, staging/],
        [["prod", "--out"], /--out needs a value/],
        [["prod", "--frobnicate"], /unknown option '--frobnicate'/],
        [["prod", "staging"], /expected one stack, got: prod staging/],
        [["prod", "--set", "replicas"], /--set expects KEY=VALUE/],
        [["prod", "--set", "aws:region=eu-west-1"], /only keys of the 'ologywood' namespace/],
    ] as [string[], RegExp][]) {
        it(`exits 2 on bad usage: ${JSON.stringify(args)}`, async () => {
            const result = await runRender([...args.slice(0, 1), ...args.slice(1)]);
            assert.strictEqual(result.code, 2, result.stderr);
            assert.match(result.stderr, pattern);
            assert.match(result.stderr, /usage: npm run render|expected one of|--set/);
        });
    }
});
