/**
 * The real dependencies of the commands that change stacks: the Automation API driver (stops at
 * once, with what to install, when the Pulumi CLI is missing), git, the system clock, Slack,
 * kubectl port-forwards. Loaded only when a command really runs (so `--help` and usage errors
 * answer without loading the Automation API), never by the tests.
 */
import type { AutomationDriver } from "../pipeline/drivers/automation";
import type { ReleaseDeps } from "../pipeline/release";
import { REPO_ROOT } from "./frame";
import type { Redactor } from "./redact";

export function createAutomationDriver(workDir: string): AutomationDriver {
    const { AutomationDriver } = require("../pipeline/drivers/automation") as typeof import("../pipeline/drivers/automation");
    return AutomationDriver.create(workDir);
}

export function realDeps(log: (line: string) => void, redactor: Redactor): ReleaseDeps {
    const { systemClock } = require("../pipeline/clock") as typeof import("../pipeline/clock");
    const { openClusterUrl } = require("../pipeline/cluster") as typeof import("../pipeline/cluster");
    const { LocalGit } = require("../pipeline/git") as typeof import("../pipeline/git");
    const { notifierFor } = require("../pipeline/slack") as typeof import("../pipeline/slack");
    const { runCommand } = require("../pipeline/workspace") as typeof import("../pipeline/workspace");
    return {
        driver: createAutomationDriver(REPO_ROOT),
        openDriver: (dir) => createAutomationDriver(dir),
        git: new LocalGit(REPO_ROOT),
        clock: systemClock,
        log,
        notifierFor: (config, notifyLog) => notifierFor(config.slack, notifyLog),
        clusterAccess: openClusterUrl(),
        runner: runCommand,
        redactor,
    };
}
