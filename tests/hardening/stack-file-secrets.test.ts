/**
 * Secrets in Pulumi.<stack>.yaml (render/stack-file.ts): one written in plain text is refused by
 * everything that reads stack files, naming the key and the command that encrypts it; one that is
 * encrypted is reported by the render as encrypted, not as missing. The CLI runs in a sandbox: a
 * copy of render/ beside links to the rest of the repo, with stack files written by the test.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { ConfigError } from "../../config/load";
import { prepareConfig } from "../../render/render";
import { placeholderNote, readStackConfig } from "../../render/stack-file";

const REPO = path.resolve(__dirname, "..", "..");
const PLAIN = { "db.adminPassword": "Plain-Adm1n-Pw-4417", "slack.webhookUrl": "https://hooks.slack.com/services/T1/B1/PlainWebh00k" };
const CIPHERTEXT = "v1:c2VjcmV0LWNpcGhlcnRleHQtbm90LXJlYWxseQ==";

/** prod's stack file with some values replaced, as `{ "db.adminPassword": ... }` under `ologywood:`. */
function stackFile(changes: Record<string, unknown>): string {
    const doc = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8"));
    for (const [dotted, value] of Object.entries(changes)) {
        const [section, ...rest] = dotted.split(".");
        const key = `ologywood:${section}`;
        if (rest.length === 0) doc.config[key] = value;
        else doc.config[key] = { ...doc.config[key], [rest.join(".")]: value };
    }
    return YAML.stringify(doc);
}

/** A repo that is this one except for cli/ and render/ (copied, so REPO_ROOT is the sandbox) and its stack files. */
const COPIED = ["cli", "render"];

function sandbox(stacks: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-secrets-"));
    for (const entry of fs.readdirSync(REPO)) {
        if (COPIED.includes(entry) || /^Pulumi\..+\.yaml$/.test(entry) || entry === ".git") continue;
        fs.symlinkSync(path.join(REPO, entry), path.join(dir, entry));
    }
    for (const entry of COPIED) fs.cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true });
    for (const [stack, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}

function runCli(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(root, "cli", "render.ts"), ...args],
            { cwd: root, timeout: 240000 },
            (error, stdout, stderr) => resolve({ code: error ? ((error as any).code ?? -1) : 0, stdout, stderr }),
        );
    });
}

describe("secrets in stack files (render/stack-file.ts)", function () {
    this.timeout(300000);
    let root: string;

    before(() => {
        root = sandbox({
            plain: stackFile(PLAIN),
            encrypted: stackFile({ "db.adminPassword": { secure: CIPHERTEXT } }),
            "encrypted-section": stackFile({ monitoring: { secure: CIPHERTEXT } }),
        });
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("refuses a secret written in plain text, naming each key and the command that encrypts it, without the value", () => {
        let error: unknown;
        try {
            readStackConfig(root, "plain");
        } catch (e) {
            error = e;
        }
        assert.ok(error instanceof ConfigError, String(error));
        assert.deepEqual(error.problems.map((p) => p.key).sort(), ["ologywood:db.adminPassword", "ologywood:slack.webhookUrl"]);
        for (const problem of error.problems) {
            const key = problem.key.slice("ologywood:".length);
            assert.match(problem.message, /^is a secret written in plain text in Pulumi\.plain\.yaml; expected an encrypted value/);
            assert.ok(problem.message.includes(`\`pulumi config set --secret --path ologywood:${key} ...\``), problem.message);
        }
        assert.ok(!error.message.includes(PLAIN["db.adminPassword"]) && !error.message.includes("PlainWebh00k"), error.message);
    });

    it("refuses it in the render's config too (every reader of stack files goes through readStackConfig)", () => {
        assert.throws(
            () => prepareConfig({ stack: "plain", repoRoot: root }),
            (e: unknown) => e instanceof ConfigError && /ologywood:db\.adminPassword: is a secret written in plain text/.test(e.message),
        );
    });

    it("the render CLI stops on it, prints the command, echoes no secret and writes nothing", async () => {
        const out = path.join(root, "out-plain");
        const result = await runCli(root, ["plain", "--out", out]);
        assert.notEqual(result.code, 0, result.stderr);
        assert.match(
            result.stderr,
            /^ {2}- ologywood:db\.adminPassword: is a secret written in plain text in Pulumi\.plain\.yaml; .*`pulumi config set --secret --path ologywood:db\.adminPassword \.\.\.`/m,
        );
        assert.match(result.stderr, /^ {2}- ologywood:slack\.webhookUrl: is a secret written in plain text/m);
        assert.match(result.stderr, /Nothing was written\./);
        for (const secret of Object.values(PLAIN)) assert.ok(!(result.stdout + result.stderr).includes(secret), "a secret reached the console");
        assert.equal(fs.existsSync(out), false);
    });

    it("the render CLI says an encrypted secret is encrypted, not that it is missing", async () => {
        const out = path.join(root, "out-encrypted");
        const result = await runCli(root, ["encrypted", "--out", out]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(
            result.stderr,
            /^note: ologywood:db\.adminPassword is encrypted, not readable offline; rendering with a placeholder \(shown as \[secret\]\)\.$/m,
        );
        assert.doesNotMatch(result.stderr, /ologywood:db\.adminPassword is not set/);
        assert.match(result.stderr, /^note: ologywood:smtp\.password is not set; rendering with a placeholder/m);
        assert.ok(!fs.readFileSync(path.join(out, "manifests.yaml"), "utf8").includes(CIPHERTEXT));
    });

    it("counts a secret inside an encrypted section as encrypted", () => {
        const { encrypted } = readStackConfig(root, "encrypted-section");
        assert.deepEqual(encrypted, ["monitoring"]);
        assert.match(placeholderNote("ologywood:monitoring.pagerDutyRoutingKey", encrypted), /is encrypted, not readable offline/);
        assert.match(placeholderNote("ologywood:smtp.password", encrypted), /is not set; .* pulumi up requires it\./);
    });
});
