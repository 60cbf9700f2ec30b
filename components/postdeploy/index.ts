import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../shared/types";

export const POST_DEPLOY_SCRIPT = path.join(__dirname, "..", "..", "scripts", "post-deploy-check.sh");

export interface PostDeployCheckArgs {
    /** Public base URL, e.g. https://api.ologywood.com. */
    url: string;
    /** Path answering 200 when the app is healthy (config `app.healthPath`). */
    healthPath: string;
    /** The version being rolled out: a new one re-runs the check. */
    imageTag: string;
    /** With maintenance on, the check expects the maintenance page (503 + Retry-After) instead. */
    maintenance: boolean;
    attempts: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    /** Run only after these (the workloads and the Ingress) are updated. */
    after: pulumi.Input<pulumi.Resource>[];
}

/**
 * Fails `pulumi up` when the public URL does not answer after a rollout. The script is a real
 * file (scripts/post-deploy-check.sh, tested with the real curl and shellcheck); its text is the
 * command, so the check is the same on every machine whatever its working directory.
 */
export class PostDeployCheck extends pulumi.ComponentResource {
    readonly output: pulumi.Output<string>;

    constructor(name: string, args: PostDeployCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.postDeployCheck, name, {}, opts);
        const healthPath = args.healthPath;
        const check = new command.local.Command(
            `${name}-health`,
            {
                create: fs.readFileSync(POST_DEPLOY_SCRIPT, "utf8"),
                interpreter: ["/bin/bash", "-c"],
                environment: {
                    CHECK_URL: args.maintenance ? `${args.url}/` : `${args.url}${healthPath}`,
                    EXPECT_STATUS: args.maintenance ? "503" : "200",
                    EXPECT_HEADER: args.maintenance ? "Retry-After" : "",
                    ATTEMPTS: String(args.attempts),
                    INTERVAL_SECONDS: String(args.intervalSeconds),
                    TIMEOUT_SECONDS: String(args.timeoutSeconds),
                },
                // Re-run on every new version or maintenance switch; nothing else changes the answer.
                triggers: [args.imageTag, args.maintenance],
                addPreviousOutputInEnv: false,
                logging: "stdoutAndStderr",
            },
            { parent: this, dependsOn: args.after },
        );
        this.output = check.stdout;
        this.registerOutputs({ output: this.output });
    }
}
