/**
 * The scripts the backup pods run: real files in scripts/, tested with bash and a real
 * PostgreSQL (tests/database), put into a ConfigMap as they are. No copy of their logic lives
 * anywhere else.
 */
import * as fs from "fs";
import * as path from "path";

export const SCRIPTS_DIR = path.join(__dirname, "..", "..", "scripts");
export const BACKUP_SCRIPT = path.join(SCRIPTS_DIR, "db-backup.sh");
export const RESTORE_SCRIPT = path.join(SCRIPTS_DIR, "db-restore.sh");
/** Sourced by both; it must sit beside them. */
export const LIB_SCRIPT = path.join(SCRIPTS_DIR, "db-lib.sh");

export const SCRIPT_FILES = [BACKUP_SCRIPT, RESTORE_SCRIPT, LIB_SCRIPT].map((p) => ({ key: path.basename(p), path: p }));

/** Where the pods mount the ConfigMap. */
export const SCRIPTS_MOUNT = "/opt/ologywood/db";

/** ConfigMap data: file name -> contents, read from the repo at deploy time. */
export function readScripts(): Record<string, string> {
    return Object.fromEntries(SCRIPT_FILES.map((f) => [f.key, fs.readFileSync(f.path, "utf8")]));
}
