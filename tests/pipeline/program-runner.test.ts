/**
 * Who runs a program directory for the engine (pipeline/drivers/program-runner.ts): the CLI's
 * language host when it is installed, else the SDK in this process, with the directory's own
 * index.ts loaded afresh on every run.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chooseProgramRunner, inProcessProgram } from "../../pipeline/drivers/program-runner";
import { REPO_ROOT } from "../../cli/frame";

describe("program runner", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "program-runner-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const executable = (dir: string, name: string) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, name), "#!/bin/sh\n", { mode: 0o755 });
    };

    it("uses the language host when pulumi-language-nodejs is on PATH, in-process otherwise, and says why", () => {
        const official = path.join(tmp, "official");
        executable(official, "pulumi");
        executable(official, "pulumi-language-nodejs");
        assert.equal(chooseProgramRunner({ PATH: official }).runner, "language-host");
        const built = path.join(tmp, "built");
        executable(built, "pulumi");
        const choice = chooseProgramRunner({ PATH: built });
        assert.equal(choice.runner, "in-process");
        assert.match(choice.why, /no pulumi-language-nodejs on PATH or beside .*built\/pulumi/);
        assert.equal(chooseProgramRunner({ PATH: official, OLOGYWOOD_PROGRAM_RUNNER: "in-process" }).runner, "in-process");
        assert.throws(() => chooseProgramRunner({ OLOGYWOOD_PROGRAM_RUNNER: "docker" }), /must be language-host or in-process, got 'docker'/);
    });

    it("loads the directory's index.ts afresh on every run, sharing this process's @pulumi/pulumi", async () => {
        const dir = path.join(tmp, "program");
        fs.mkdirSync(dir);
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
        fs.writeFileSync(path.join(dir, "index.ts"), "export const runs = 1;\n");
        const program = inProcessProgram(dir);
        assert.deepEqual({ ...(await program()) }, { runs: 1 });
        fs.writeFileSync(path.join(dir, "index.ts"), "export const runs = 2;\n");
        assert.deepEqual({ ...(await program()) }, { runs: 2 }, "a second run sees the program as it is now");
    });

    it("refuses a directory whose dependencies are its own: that needs the language host", () => {
        const dir = path.join(tmp, "own-deps");
        fs.mkdirSync(path.join(dir, "node_modules", "@pulumi", "pulumi"), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "package.json"), JSON.stringify({ name: "@pulumi/pulumi", main: "index.js" }));
        fs.writeFileSync(path.join(dir, "node_modules", "@pulumi", "pulumi", "index.js"), "");
        assert.throws(() => inProcessProgram(dir), /has dependencies of its own .*needs the pulumi-language-nodejs plugin/);
    });
});
