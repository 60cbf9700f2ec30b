/**
 * The real dependencies of `npm run release` and `npm run rollback`: the Automation API driver
 * (stops at once, with what to install, when the Pulumi CLI is missing), git, the system clock,
 * Slack, kubectl port-forwards. Loaded only by the commands themselves, never by the tests.
 */
import { systemClock } from "../clock";
import { openClusterUrl } from "../cluster";
import { AutomationDriver } from "../drivers/automation";
import { LocalGit } from "../git";
import { Redactor } from "../redact";
import { ReleaseDeps } from "../release";
import { notifierFor } from "../slack";
import { runCommand } from "../workspace";
import { REPO_ROOT } from "./command";


export function realDeps(log: (line: string) => void, redactor: Redactor): ReleaseDeps {
    return {
        driver: AutomationDriver.create(REPO_ROOT),
        openDriver: (dir) => AutomationDriver.create(dir),
        git: new LocalGit(REPO_ROOT),
        clock: systemClock,
        log,
        notifierFor: (config, notifyLog) => notifierFor(config.slack, notifyLog),
        clusterAccess: openClusterUrl(),
        runner: runCommand,
        redactor,
    };
}
