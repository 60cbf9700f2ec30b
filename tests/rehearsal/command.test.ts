/**
 * `npm run rehearse`'s contract before anything starts: an output folder that is not a
 * rehearsal's is refused and left as it was, missing tools are said with the way to build them,
 * `--stop` with nothing to stop is a success. Run as `npm run rehearse` runs it; none of these
 * starts a server.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT } from "../../cli/frame";
import { runCli } from "../support/command";

const rehearse = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli("rehearse", args, { env: { ...process.env, ...env } });

describe("npm run rehearse: refused before anything starts", function () {
    this.timeout(120_000);
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ologywood-rehearse-cmd-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("refuses an --out folder holding someone else's file, exit 2, the file untouched", async () => {
        const notes = path.join(tmp, "notes.txt");
        fs.writeFileSync(notes, "mine");
        const r = await rehearse(["--out", tmp]);
        assert.equal(r.code, EXIT.refused, r.stdout + r.stderr);
        assert.match(r.stderr, /--out/);
        assert.deepEqual(fs.readdirSync(tmp), ["notes.txt"]);
        assert.equal(fs.readFileSync(notes, "utf8"), "mine");
    });

    it("refuses a plain file as --out, exit 2, the file untouched", async () => {
        const file = path.join(tmp, "report");
        fs.writeFileSync(file, "x");
        const r = await rehearse(["--out", file]);
        assert.equal(r.code, EXIT.refused, r.stdout + r.stderr);
        assert.equal(fs.readFileSync(file, "utf8"), "x");
    });

    it("says which tools are missing and how to build them, exit 2, nothing started or written", async () => {
        const out = path.join(tmp, "out");
        const r = await rehearse(["--out", out], { OLOGYWOOD_TOOLS_CACHE: path.join(tmp, "empty-cache") });
        assert.equal(r.code, EXIT.refused, r.stdout + r.stderr);
        assert.match(r.stderr, /tools are not built: .*tools\.json does not exist; build them once with `rehearsal\/build-tools\.sh`/);
        assert.match(r.stderr, /Nothing was started/);
        assert.equal(fs.existsSync(out), false, "no output folder written");
    });

    it("--stop with nothing running says so, exit 0", async () => {
        const r = await rehearse(["--stop", "--out", path.join(tmp, "never-ran")]);
        assert.equal(r.code, EXIT.ok, r.stdout + r.stderr);
        assert.match(r.stdout, /nothing to stop/);
    });

    it("--stop and --keep together are refused, exit 2", async () => {
        const r = await rehearse(["--stop", "--keep"]);
        assert.equal(r.code, EXIT.refused, r.stdout + r.stderr);
        assert.match(r.stderr, /--stop and --keep do not go together/);
    });
});
