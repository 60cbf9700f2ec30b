/**
 * One frame for every command: `--help` answers with the usage and exit 0; bad usage names the
 * problem, prints the usage and exits 2 (refused, nothing done). Each command's real entry point
 * is run as `npm run <command>` runs it, without the Pulumi CLI on PATH.
 */
import { strict as assert } from "assert";
import { EXIT } from "../../cli/frame";
import { runCli } from "../support/command";

const COMMANDS = ["render", "release", "rollback", "maintenance", "db-restore", "smoke", "loadtest", "rehearse"] as const;

const run = (script: string, args: string[]) => runCli(script, args, { env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME } });

describe("every command's frame: --help and bad usage", function () {
    this.timeout(300_000);

    for (const command of COMMANDS) {
        it(`${command} --help: the usage with the exit codes, exit ${EXIT.ok}`, async () => {
            const r = await run(command, ["--help"]);
            assert.equal(r.code, EXIT.ok, r.stderr);
            assert.match(r.stdout, /^Usage: /m);
            assert.match(r.stdout, /^Exit codes:\n {2}0 {2}/m);
            assert.match(r.stdout, / {2}2 {2}.*(usage|refused|wrong arguments)/);
        });

        it(`${command} --no-such-flag: names the flag, prints the usage, exit ${EXIT.refused}`, async () => {
            const r = await run(command, ["--no-such-flag"]);
            assert.equal(r.code, EXIT.refused, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`^${command.replace("db-restore", "db:restore")}: error: unknown option '--no-such-flag'`, "m"));
            assert.match(r.stderr, /^Usage: /m);
            assert.doesNotMatch(r.stderr, /\n\s+at .*\(/, "no stack trace");
        });
    }
});
