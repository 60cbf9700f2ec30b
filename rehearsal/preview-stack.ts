/**
 * `ts-node rehearsal/preview-stack.ts <stack>`: `pulumi preview` of a stack through the real
 * AutomationDriver, with the program of the checkout it runs in (the release runs the same call
 * per stack; the rehearsal runs it alone first, before anything is deployed). Prints the engine's
 * output, the program runner and the change summary (last lines, for the rehearsal to read).
 */
import { REPO_ROOT } from "../cli/frame";
import { AutomationDriver } from "../pipeline/drivers/automation";

async function main(stack: string | undefined): Promise<number> {
    if (!stack) {
        console.error("usage: ts-node rehearsal/preview-stack.ts <stack>");
        return 2;
    }
    const driver = AutomationDriver.create(REPO_ROOT);
    console.log(`runner: ${driver.runner.runner} (${driver.runner.why})`);
    const result = await driver.preview(stack, { message: "rehearsal preview", onOutput: (line) => console.log(`    ${line}`) });
    console.log(`changeSummary: ${JSON.stringify(result.changeSummary)}`);
    return 0;
}

main(process.argv[2]).then(
    (code) => process.exit(code),
    (e) => {
        console.error(`preview failed: ${(e as Error).message}`);
        process.exit(1);
    },
);
