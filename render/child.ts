/** Child process of renderStack(): one program run, the result as JSON on stdout. */
import { CHILD_MARKER, RenderOptions, renderInProcess } from "./render";

renderInProcess(JSON.parse(process.argv[2]) as RenderOptions).then(
    (result) => process.stdout.write(CHILD_MARKER + JSON.stringify(result)),
    (error) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    },
);
