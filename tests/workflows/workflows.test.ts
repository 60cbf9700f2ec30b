/**
 * The GitHub workflows, checked offline: every file against GitHub's schema with a maintained
 * validator (@action-validator/cli, proven to fail on broken copies), then what the project asks
 * of them (triggers, previews, per-stack concurrency, sign-off, least privilege), and that every
 * command they run exists in this repository (package.json is read at test time).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { availableStacks as knownStacks } from "../../cli/frame";
import { main as releaseMain } from "../../cli/release";
import { REPO_ROOT } from "../support/stack-config";

const WORKFLOWS_DIR = path.join(REPO_ROOT, ".github", "workflows");
const PREPARE_ACTION = path.join(REPO_ROOT, ".github", "actions", "prepare-release", "action.yml");
const SIGNOFF = path.join(REPO_ROOT, ".github", "release", "staging-signoff.md");
const WORKFLOWS = ["pull-request.yml", "release-production.yml", "release-stack.yml", "release-staging.yml", "rollback.yml"];

function validatorCli(): string {
    try {
        return require.resolve("@action-validator/cli/cli.mjs");
    } catch {
        throw new Error("@action-validator/cli is not installed: run `npm ci` (it is a devDependency)");
    }
}

/** Runs the validator's CLI on one file, as a pre-commit hook would; the file name picks action or workflow. */
function validate(file: string): { status: number | null; output: string } {
    const r = spawnSync(process.execPath, [validatorCli(), file], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    assert.strictEqual(r.error, undefined, String(r.error));
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const workflowFiles = () =>
    fs
        .readdirSync(WORKFLOWS_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
const load = (file: string): any => parse(fs.readFileSync(file, "utf8"));
const workflow = (name: string): any => load(path.join(WORKFLOWS_DIR, name));

interface Step {
    uses?: string;
    run?: string;
    shell?: string;
    with?: Record<string, unknown>;
    if?: unknown;
    name?: string;
    env?: Record<string, string>;
}

/**
 * Every step of every workflow job and of the composite action, with where it comes from and the
 * shell GitHub runs it with (bash on the runner, sh inside a container, unless `shell:` says).
 */
function allSteps(): { where: string; step: Step; shell: string }[] {
    const steps: { where: string; step: Step; shell: string }[] = [];
    for (const file of workflowFiles()) {
        for (const [id, job] of Object.entries<any>(workflow(file).jobs)) {
            for (const step of job.steps ?? []) steps.push({ where: `${file} job ${id}`, step, shell: step.shell ?? (job.container ? "sh" : "bash") });
        }
    }
    for (const step of load(PREPARE_ACTION).runs.steps) steps.push({ where: "prepare-release action", step, shell: step.shell });
    return steps;
}

function shellcheck(script: string, shell: string): { status: number | null; output: string } {
    const r = spawnSync("shellcheck", ["--shell", shell, "-"], { input: script, encoding: "utf8", timeout: 60_000 });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        throw new Error("shellcheck is not installed: apt-get install shellcheck (.ci/run does)");
    }
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The shell scripts they run, plus the repo scripts those call with `bash <file>` (one level: .ci/run). */
function allScripts(): { where: string; script: string }[] {
    const scripts = allSteps()
        .filter((s) => s.step.run)
        .map((s) => ({ where: s.where, script: s.step.run! }));
    for (const { script } of [...scripts]) {
        for (const [, file] of script.matchAll(/\bbash\s+([\w./-]+)/g)) {
            const full = path.join(REPO_ROOT, file);
            if (fs.existsSync(full)) scripts.push({ where: file, script: fs.readFileSync(full, "utf8") });
        }
    }
    return scripts;
}

describe("CI workflows (.github/workflows)", () => {
    describe("validated against GitHub's schema with @action-validator/cli", () => {
        it("has the five workflows", () => {
            assert.deepStrictEqual(workflowFiles(), WORKFLOWS);
        });

        for (const file of WORKFLOWS) {
            it(`${file} is valid`, () => {
                const r = validate(path.join(WORKFLOWS_DIR, file));
                assert.strictEqual(r.status, 0, `action-validator rejected ${file}:\n${r.output}`);
            });
        }

        it("the shared composite action is valid", () => {
            const r = validate(PREPARE_ACTION);
            assert.strictEqual(r.status, 0, r.output);
        });

        describe("and the validator fails on deliberately broken copies (in a temp dir)", () => {
            let dir: string;
            before(() => {
                dir = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-workflows-"));
            });
            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            const breakages: { file: string; what: string; from: RegExp; to: string; error: RegExp }[] = [
                ...WORKFLOWS.map((file) => ({
                    file,
                    what: "misspelt top-level permissions",
                    from: /^permissions:/m,
                    to: "permision:",
                    error: /Additional property 'permision'/,
                })),
                { file: "release-stack.yml", what: "runs-on misspelt", from: /runs-on:/, to: "run-on:", error: /Additional property 'run-on'/ },
                {
                    file: "release-stack.yml",
                    what: "cancel-in-progress not a boolean",
                    from: /cancel-in-progress: false/,
                    to: "cancel-in-progress: never",
                    error: /concurrency/,
                },
                { file: "release-stack.yml", what: "unknown input type", from: /type: boolean/, to: "type: bool", error: /"path": "\/on/ },
                { file: "pull-request.yml", what: "permission level that does not exist", from: /contents: read/, to: "contents: admin", error: /permissions/ },
                { file: "pull-request.yml", what: "YAML broken by an unquoted ': '", from: /name: npm test/, to: "name: npm test: all", error: /Parse Error/ },
                { file: "release-production.yml", what: "tags trigger as a mapping", from: /tags: \["v\*"\]/, to: "tags: { v: 1 }", error: /"path": "\/on/ },
                { file: "rollback.yml", what: "a dispatch input type that does not exist", from: /type: choice/, to: "type: pick", error: /"path": "\/on/ },
            ];
            for (const b of breakages) {
                it(`${b.file} with ${b.what} is rejected`, () => {
                    const source = fs.readFileSync(path.join(WORKFLOWS_DIR, b.file), "utf8");
                    assert.match(source, b.from, "the breakage must apply to the current file");
                    const broken = path.join(dir, b.file);
                    fs.writeFileSync(broken, source.replace(b.from, b.to));
                    const r = validate(broken);
                    assert.notStrictEqual(r.status, 0, `the validator accepted a broken ${b.file}`);
                    assert.match(r.output, b.error);
                });
            }

            it("a composite action with a misspelt `using` is rejected", () => {
                const sub = fs.mkdtempSync(path.join(dir, "action-"));
                const broken = path.join(sub, "action.yml");
                fs.writeFileSync(broken, fs.readFileSync(PREPARE_ACTION, "utf8").replace("using: composite", "using: compost"));
                assert.notStrictEqual(validate(broken).status, 0);
            });
        });
    });

    describe("what they do", () => {
        it("on pull request: runs the tests as .ci/run does and previews every stack, commenting on the PR", () => {
            const wf = workflow("pull-request.yml");
            assert.deepStrictEqual(wf.on, { pull_request: { branches: ["main"] } });
            assert.ok(
                wf.jobs.test.steps.some((s: Step) => s.run === "bash .ci/run"),
                "the test job runs .ci/run",
            );
            const ciRun = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8");
            assert.match(ciRun, /^npm ci\b/m);
            assert.match(ciRun, /^npm test$/m);
            assert.match(wf.jobs.test.container, /^node:22-bookworm$/, "Debian as root, which .ci/run's apt-get needs");

            const preview = wf.jobs.preview;
            assert.deepStrictEqual(preview.strategy.matrix.include.map((m: any) => m.stack).sort(), knownStacks(REPO_ROOT));
            const action = preview.steps.find((s: Step) => s.uses?.startsWith("pulumi/actions@"));
            assert.ok(action, "the official pulumi/actions runs the preview");
            assert.deepStrictEqual(
                { command: action.with.command, stack: action.with["stack-name"], comment: action.with["comment-on-pr"] },
                { command: "preview", stack: "${{ matrix.stack }}", comment: true },
            );
            assert.strictEqual(action.with.policyPacks, "policy", "previews run the hardening policy pack");
        });

        it("on merge to main: releases staging, the image tag being the merge commit's sha unless given", () => {
            const wf = workflow("release-staging.yml");
            assert.deepStrictEqual(wf.on.push, { branches: ["main"] });
            assert.deepStrictEqual(wf.jobs.staging.with, { stack: "staging", environment: "staging", "image-tag": "${{ inputs.image-tag || github.sha }}" });
            assert.strictEqual(wf.jobs.staging.uses, "./.github/workflows/release-stack.yml");
        });

        it("on a v* tag: staging first, then prod behind the protected production environment", () => {
            const wf = workflow("release-production.yml");
            assert.deepStrictEqual(wf.on, { push: { tags: ["v*"] } });
            const { staging, production } = wf.jobs;
            assert.deepStrictEqual(staging.with, { stack: "staging", environment: "staging", "image-tag": "${{ github.ref_name }}", signoff: true });
            assert.deepStrictEqual(production.with, { stack: "prod", environment: "production", "image-tag": "${{ github.ref_name }}" });
            assert.strictEqual(production.needs, "staging", "prod is never touched when staging fails");
        });

        it("a release: one concurrency group per stack, never cancelled; the report kept as an artifact", () => {
            const job = workflow("release-stack.yml").jobs.release;
            assert.deepStrictEqual(job.concurrency, { group: "release-${{ inputs.stack }}", "cancel-in-progress": false });
            assert.strictEqual(job.environment, "${{ inputs.environment }}");
            const steps: Step[] = job.steps;
            const release = steps.findIndex((s) => /npm run release/.test(s.run ?? ""));
            assert.strictEqual(
                steps[release].run,
                'npm run release -- --image-tag "$IMAGE_TAG" --stacks "$STACK" --allow-production-first --report "$RUNNER_TEMP/release-report.json"',
            );
            const upload = steps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@"));
            assert.ok(upload > release, "the report is uploaded after the release");
            assert.strictEqual(steps[upload].if, "always()", "a failed release's report matters most");
            assert.strictEqual(steps[upload].with?.path, "${{ runner.temp }}/release-report.json");
            assert.strictEqual(
                steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"],
                0,
                "rollback checks out an earlier commit: the history is needed",
            );
            // Every caller releases one stack; two callers of the same stack share its group.
            const callers = ["release-staging.yml", "release-production.yml"].flatMap((f) => Object.values<any>(workflow(f).jobs));
            const groups = callers.map((c) => job.concurrency.group.replace("${{ inputs.stack }}", c.with.stack));
            assert.deepStrictEqual([...new Set(groups)].sort(), ["release-prod", "release-staging"]);
        });

        it("by hand: rolls a chosen stack back in the stack's release group and environment", () => {
            const wf = workflow("rollback.yml");
            assert.deepStrictEqual(Object.keys(wf.on), ["workflow_dispatch"]);
            assert.deepStrictEqual(wf.on.workflow_dispatch.inputs.stack.options.slice().sort(), knownStacks(REPO_ROOT));
            const job = wf.jobs.rollback;
            assert.deepStrictEqual(job.concurrency, workflow("release-stack.yml").jobs.release.concurrency, "the same group as releases");
            assert.strictEqual(job.environment, "${{ inputs.stack == 'prod' && 'production' || 'staging' }}");
            assert.match(job.steps.at(-1).run, /npm run rollback -- "\$STACK" --to "\$TO"/);
        });

        it("the sign-off checklist in the job summary lists the plan's 15 manual scenarios", () => {
            const step: Step = workflow("release-stack.yml").jobs.release.steps.find((s: Step) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ""));
            assert.ok(step, "a step writes the job summary");
            assert.strictEqual(step.if, "inputs.signoff");
            assert.match(step.run!, /cat \.github\/release\/staging-signoff\.md/);
            const items = [...fs.readFileSync(SIGNOFF, "utf8").matchAll(/^- \[ \] (\d+)\. (.+)$/gm)];
            assert.deepStrictEqual(
                items.map((m) => Number(m[1])),
                Array.from({ length: 15 }, (_, i) => i + 1),
            );
            assert.strictEqual(items[0][2], "Happy path - successful booking");
            assert.strictEqual(items[14][2], "Rider template integration");
        });
    });

    describe("how they do it", () => {
        it("pins every action by at least its major version", () => {
            const uses = [
                ...allSteps().map((s) => ({ where: s.where, uses: s.step.uses })),
                ...workflowFiles().flatMap((f) => Object.values<any>(workflow(f).jobs).map((j) => ({ where: f, uses: j.uses }))),
            ].filter((u): u is { where: string; uses: string } => typeof u.uses === "string");
            assert.ok(uses.length > 10);
            for (const { where, uses: ref } of uses) {
                if (ref.startsWith("./")) {
                    assert.ok(fs.existsSync(path.join(REPO_ROOT, ref)), `${where}: ${ref} does not exist`);
                    continue;
                }
                assert.match(ref, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${where}: ${ref} is not pinned`);
            }
        });

        it("grants least privilege: read-only by default, PR comments only where the preview writes them", () => {
            for (const file of workflowFiles()) {
                const wf = workflow(file);
                assert.ok(wf.permissions !== undefined, `${file} must set top-level permissions`);
                const all = [wf.permissions, ...Object.values<any>(wf.jobs).map((j) => j.permissions)].filter((p) => p !== undefined);
                for (const p of all) {
                    assert.notStrictEqual(typeof p, "string", `${file}: no read-all/write-all shorthands`);
                    for (const [scope, level] of Object.entries(p)) {
                        if (level !== "write") continue;
                        assert.deepStrictEqual([file, scope], ["pull-request.yml", "pull-requests"], `${file}: ${scope}: write is not needed`);
                    }
                }
            }
            assert.deepStrictEqual(workflow("pull-request.yml").jobs.preview.permissions, { contents: "read", "pull-requests": "write" });
        });

        it("never pastes an expression into a shell script (inputs and tags reach it as environment variables)", () => {
            for (const { where, step } of allSteps()) {
                if (step.run) assert.doesNotMatch(step.run, /\$\{\{/, `${where}: "${step.name ?? step.run}" interpolates into the script`);
            }
        });

        it("every shell step passes shellcheck, with the shell GitHub runs it with", () => {
            assert.notStrictEqual(shellcheck("rm -rf $1/*", "bash").status, 0, "shellcheck must flag an unquoted expansion");
            const scripts = allSteps().filter((s) => s.step.run);
            assert.ok(scripts.length >= 5);
            for (const { where, step, shell } of scripts) {
                const r = shellcheck(step.run!, shell);
                assert.strictEqual(r.status, 0, `${where}: "${step.name ?? step.run}":\n${r.output}`);
            }
        });

        it("runs only commands that exist here: npm scripts (package.json read now), files, the policy pack", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
            const missing: string[] = [];
            let checked = 0;
            for (const { where, script } of allScripts()) {
                for (const [, name] of script.matchAll(/\bnpm run(?:-script)?\s+(?:-s\s+)?([\w:.-]+)/g)) {
                    checked++;
                    if (!pkg.scripts?.[name]) missing.push(`${where}: npm run ${name} (no "${name}" in package.json scripts)`);
                }
                if (/\bnpm (test|t)\b/.test(script) && (checked++, !pkg.scripts?.test)) missing.push(`${where}: npm test (no "test" script)`);
                if (/\bnpm ci\b/.test(script) && (checked++, !fs.existsSync(path.join(REPO_ROOT, "package-lock.json"))))
                    missing.push(`${where}: npm ci without package-lock.json`);
                for (const [, file] of script.matchAll(/\b(?:bash|cat)\s+([\w.][\w./-]*)/g)) {
                    checked++;
                    if (!fs.existsSync(path.join(REPO_ROOT, file))) missing.push(`${where}: ${file} does not exist`);
                }
            }
            for (const { where, step } of allSteps()) {
                const pack = step.with?.policyPacks;
                if (typeof pack !== "string") continue;
                checked++;
                if (!fs.existsSync(path.join(REPO_ROOT, pack, "PulumiPolicy.yaml"))) missing.push(`${where}: policy pack ${pack}/ (no PulumiPolicy.yaml)`);
            }
            assert.ok(checked >= 6, `too few commands found (${checked}): is the parsing broken?`);
            const unique = [...new Set(missing)];
            assert.deepStrictEqual(unique, [], `commands the workflows run but this repository lacks:\n${unique.join("\n")}`);
        });
    });
});

describe("the workflows' release command line is one the release accepts", () => {
    it("for each stack the workflows release, the arguments pass the release's own checks", async () => {
        const run: string = (workflow("release-stack.yml").jobs.release.steps as Step[]).find((s) => /npm run release/.test(s.run ?? ""))!.run!;
        for (const stack of ["staging", "prod"]) {
            const argv = run
                .replace(/^npm run release -- /, "")
                .replace("$IMAGE_TAG", "v1.4.2")
                .replace("$STACK", stack)
                .replace("$RUNNER_TEMP", os.tmpdir())
                .split(" ")
                .map((a) => a.replace(/^"|"$/g, ""));
            const out: string[] = [];
            const code = await releaseMain(argv, {
                repoRoot: REPO_ROOT,
                env: { TEST_TOKEN: "workflow-token" },
                out: (l: string) => out.push(l),
                err: (l: string) => out.push(l),
                // Reaching the dependencies means every argument was accepted.
                makeDeps: () => {
                    throw new Error("arguments accepted");
                },
            });
            assert.equal(code, 2);
            assert.match(out.join("\n"), /release: error: arguments accepted/, `${stack}: ${out.join("\n")}`);
        }
    });
});
