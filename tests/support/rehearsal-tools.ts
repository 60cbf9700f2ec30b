/**
 * The tests that need the rehearsal's tools (rehearsal/build-tools.sh): they fail without them,
 * saying how to build them, unless OLOGYWOOD_REHEARSAL=skip leaves them out on purpose (.ci/run
 * does so only when the tool cache is absent, and prints that it did).
 */
import { REPO_ROOT } from "../../cli/frame";
import { findTools, Tools, ToolsMissingError } from "../../rehearsal/tools";

export const REHEARSAL_SKIPPED = process.env.OLOGYWOOD_REHEARSAL === "skip";

export function rehearsalTools(): Tools {
    try {
        return findTools(REPO_ROOT);
    } catch (e) {
        if (e instanceof ToolsMissingError)
            throw new Error(`${e.message}. To leave the rehearsal out on purpose, run with OLOGYWOOD_REHEARSAL=skip.`, { cause: e });
        throw e;
    }
}
