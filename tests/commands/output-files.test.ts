/**
 * The rule every command's output follows (cli/output-files.ts): a folder is written only when
 * absent, empty or an earlier output of the same command; a report replaces only an earlier
 * report of the same kind; both are checked before any work.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../cli/frame";
import { OUTPUT_MARKER, checkOutputDir, checkReportFile, writeOutputDir, writeReportFile } from "../../cli/output-files";

describe("output files: never over what a command did not write", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "output-files-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("a report goes to a new file, and replaces an earlier report of its kind", () => {
        const file = path.join(tmp, "deep", "report.json");
        writeReportFile(file, "ologywood-test", { figures: 1 });
        assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { kind: "ologywood-test", figures: 1 });
        writeReportFile(file, "ologywood-test", { figures: 2 });
        assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).figures, 2);
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ["report.json"], "no temporary file left");
    });

    it("refuses to overwrite a file it did not write (a tracked source file, another command's report)", () => {
        const source = path.join(tmp, "index.ts");
        fs.writeFileSync(source, "export {};\n");
        assert.throws(
            () => checkReportFile(source, "ologywood-test"),
            (e: Error) =>
                e instanceof UsageError && /index\.ts already exists and is not an earlier ologywood-test report: refusing to overwrite it/.test(e.message),
        );
        assert.throws(() => writeReportFile(source, "ologywood-test", {}), UsageError);
        assert.equal(fs.readFileSync(source, "utf8"), "export {};\n");
        const other = path.join(tmp, "other.json");
        writeReportFile(other, "ologywood-other", {});
        assert.throws(() => checkReportFile(other, "ologywood-test"), /not an earlier ologywood-test report/);
    });

    it("refuses a folder as a report path, naming what to pass instead", () => {
        assert.throws(() => checkReportFile(tmp, "ologywood-test", "--report"), /--report .* is a folder: expected a file name such as .*report\.json/);
    });

    it("refuses a report under a plain file", () => {
        const file = path.join(tmp, "plain");
        fs.writeFileSync(file, "");
        assert.throws(() => checkReportFile(path.join(file, "r.json"), "ologywood-test"), /plain is a file, not a folder/);
    });

    it("an output folder: absent or empty is taken, a stranger's is refused, its own is reused", () => {
        const dir = path.join(tmp, "out");
        writeOutputDir(dir, "test-writer", { "a.txt": "1" });
        assert.deepEqual(fs.readdirSync(dir).sort(), [OUTPUT_MARKER, "a.txt"]);
        fs.writeFileSync(path.join(dir, "mine.txt"), "kept");
        writeOutputDir(dir, "test-writer", { "a.txt": "2", "b.txt": "3" });
        assert.equal(fs.readFileSync(path.join(dir, "a.txt"), "utf8"), "2");
        assert.equal(fs.readFileSync(path.join(dir, "mine.txt"), "utf8"), "kept");
        assert.throws(() => checkOutputDir(dir, "another-writer"), /holds the output of test-writer, not of another-writer/);
        const stranger = path.join(tmp, "stranger");
        fs.mkdirSync(stranger);
        fs.writeFileSync(path.join(stranger, "x"), "");
        assert.throws(() => writeOutputDir(stranger, "test-writer", { "a.txt": "1" }), /is not empty and was not written by test-writer/);
        assert.deepEqual(fs.readdirSync(stranger), ["x"]);
    });
});
