/**
 * Where commands write, and the one rule for it: a command never deletes or overwrites what it
 * did not write. An output folder is used only when it is absent, empty, or an earlier output of
 * the same command (a marker file says so); a report file is overwritten only when it is an
 * earlier report of the same command (its `kind` says so). Everything is checked before the
 * command starts its work, and every file is written to a temporary name beside it and renamed
 * into place, so a reader never sees half a file.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./frame";

/** The marker a command leaves in its output folder; its presence makes the folder reusable. */
export const OUTPUT_MARKER = ".ologywood-output";

interface Marker {
    writtenBy: string;
    files: string[];
}

/** An output that cannot be written, said in one line (the path and the reason, no stack trace). */
export class OutputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputError";
    }
}

/** A path as a person typed it: relative below the working folder, absolute elsewhere. */
export function describePath(target: string): string {
    return describe(target);
}

function describe(target: string): string {
    const relative = path.relative(process.cwd(), target);
    return relative === "" ? "." : relative.startsWith("..") ? target : relative;
}

function readMarker(dir: string): Marker | undefined {
    try {
        const marker = JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_MARKER), "utf8"));
        return typeof marker?.writtenBy === "string" && Array.isArray(marker.files) ? marker : undefined;
    } catch {
        return undefined;
    }
}

/** What is at `target` now, or undefined when nothing is and it can be made there (else a UsageError). */
function statOrCreatable(target: string, flag: string): fs.Stats | undefined {
    try {
        return fs.statSync(target);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "";
        if (!["ENOENT", "ENOTDIR"].includes(code)) throw new UsageError(`${flag} ${describe(target)}: cannot be read (${code})`);
        checkCreatable(target, flag);
        return undefined;
    }
}

/**
 * Checks that `dir` may receive `writtenBy`'s files: it is absent, an empty folder, or a folder
 * this same command wrote before. Throws a UsageError (nothing touched) otherwise.
 */
export function checkOutputDir(dir: string, writtenBy: string, flag = "--out"): void {
    const target = path.resolve(dir);
    const stat = statOrCreatable(target, flag);
    if (!stat) return;
    if (!stat.isDirectory()) {
        throw new UsageError(`${flag} ${describe(target)} is a file, not a folder: refusing to replace it. Choose a new or empty folder.`);
    }
    const entries = fs.readdirSync(target);
    if (entries.length === 0) return;
    const marker = readMarker(target);
    if (!marker) {
        const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? `, ... (${entries.length} entries)` : "");
        throw new UsageError(
            `${flag} ${describe(target)} is not empty and was not written by ${writtenBy} (it holds ${shown}): refusing to write into it. Choose a new or empty folder, or the folder of an earlier ${writtenBy}.`,
        );
    }
    if (marker.writtenBy !== writtenBy) {
        throw new UsageError(
            `${flag} ${describe(target)} holds the output of ${marker.writtenBy}, not of ${writtenBy}: refusing to write into it. Choose another folder.`,
        );
    }
}

/** An absent path can be created when its nearest existing ancestor is a writable folder. */
function checkCreatable(target: string, flag: string): void {
    let ancestor = path.dirname(target);
    while (!fs.existsSync(ancestor)) ancestor = path.dirname(ancestor);
    if (!fs.statSync(ancestor).isDirectory()) {
        throw new UsageError(`${flag} ${describe(target)}: ${describe(ancestor)} is a file, not a folder`);
    }
    try {
        fs.accessSync(ancestor, fs.constants.W_OK);
    } catch {
        throw new UsageError(`${flag} ${describe(target)}: ${describe(ancestor)} is not writable`);
    }
}

/**
 * Creates a folder and its missing parents one by one: Node's recursive mkdir retries forever
 * where a parent exists but refuses new entries (/proc, some network mounts).
 */
function makeFolder(target: string): void {
    const missing: string[] = [];
    for (let dir = target; !fs.existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
    try {
        for (const dir of missing) fs.mkdirSync(dir);
    } catch (e) {
        throw new OutputError(`cannot create ${describe(target)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
}

/** Writes `data` to `file` through a temporary file beside it, then a rename (atomic on one file system). */
function writeAtomically(file: string, data: string): void {
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
    try {
        fs.writeFileSync(temporary, data, { flag: "wx" });
        fs.renameSync(temporary, file);
    } catch (e) {
        fs.rmSync(temporary, { force: true });
        throw new OutputError(`cannot write ${describe(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
}

/**
 * Writes `files` (name -> contents) into `dir`, after checkOutputDir's rule. The marker goes
 * first, so that a run interrupted half-way leaves a folder the next run may reuse; other files
 * a person put beside an earlier output are left alone. Returns the paths written.
 */
export function writeOutputDir(dir: string, writtenBy: string, files: Record<string, string>, flag = "--out"): string[] {
    checkOutputDir(dir, writtenBy, flag);
    const target = path.resolve(dir);
    makeFolder(target);
    const names = Object.keys(files);
    const previous = readMarker(target)?.files ?? [];
    const marker: Marker = { writtenBy, files: [...new Set([...previous, ...names])].sort() };
    writeAtomically(path.join(target, OUTPUT_MARKER), JSON.stringify(marker, null, 2) + "\n");
    return names.map((name) => {
        const file = path.join(target, name);
        writeAtomically(file, files[name]);
        return file;
    });
}

/**
 * Checks, before any work, that a JSON report may be written at `file`: absent (its folder can
 * be made), or an earlier report of the same kind. A folder, or any other file, is refused.
 */
export function checkReportFile(file: string, kind: string, flag = "--report"): void {
    const target = path.resolve(file);
    const stat = statOrCreatable(target, flag);
    if (!stat) return;
    if (stat.isDirectory())
        throw new UsageError(`${flag} ${describe(target)} is a folder: expected a file name such as ${path.join(describe(target), "report.json")}`);
    let existing: unknown;
    try {
        existing = JSON.parse(fs.readFileSync(target, "utf8"));
    } catch {
        existing = undefined;
    }
    if ((existing as { kind?: unknown } | undefined)?.kind !== kind) {
        throw new UsageError(
            `${flag} ${describe(target)} already exists and is not an earlier ${kind} report: refusing to overwrite it. Choose another file name.`,
        );
    }
    try {
        fs.accessSync(target, fs.constants.W_OK);
    } catch {
        throw new UsageError(`${flag} ${describe(target)} is not writable`);
    }
}

/** Writes a JSON report with its `kind` first, after checkReportFile's rule. */
export function writeReportFile(file: string, kind: string, report: object, redact: (text: string) => string = (t) => t, flag = "--report"): string {
    checkReportFile(file, kind, flag);
    const target = path.resolve(file);
    makeFolder(path.dirname(target));
    writeAtomically(target, redact(JSON.stringify({ kind, ...report }, null, 2)) + "\n");
    return target;
}
