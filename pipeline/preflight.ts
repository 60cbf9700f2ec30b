/**
 * Everything that can refuse a release, checked before the first stack is touched: the program's
 * commit (clean, so that a later rollback can check it out), every stack's config with the new
 * image tag through the one schema, and the smoke token. Every problem is listed at once.
 */
import { ConfigError } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import type { Redactor } from "../cli/redact";
import { ConfigMap, StackDriver } from "./drivers/driver";
import { GitOps } from "./git";
import { Progress } from "./report";
import { configKey, parseStackConfig } from "./stack-config";

export interface PreflightResult {
    /** The program's commit, `+dirty` when released with uncommitted changes. */
    commit: string;
    configs: Map<string, { map: ConfigMap; config: OlogywoodConfig }>;
}

export class PreflightRefusal extends Error {
    constructor(readonly problems: string[]) {
        super(problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "PreflightRefusal";
    }
}

export async function preflight(
    deps: { driver: StackDriver; git: GitOps; redactor: Redactor },
    options: { imageTag: string; stacks: string[]; token?: string; allowDirty?: boolean },
    progress: Progress,
): Promise<PreflightResult> {
    const problems: string[] = [];
    const configs = new Map<string, { map: ConfigMap; config: OlogywoodConfig }>();
    const commit = await deps.git.head();
    const dirty = await deps.git.uncommittedChanges();
    if (dirty.length > 0 && !options.allowDirty) {
        problems.push(
            `the program has uncommitted changes (${dirty.slice(0, 5).join(", ")}${dirty.length > 5 ? ", ..." : ""}): ` +
                "commit them first, so that the release records a commit a rollback can check out (or pass --allow-dirty and lose that)",
        );
    }
    if (!options.token) problems.push("no smoke test token: set TEST_TOKEN; the smoke and load tests call the booking API with it");
    for (const stack of options.stacks) {
        await progress.step(stack, "validate config", async () => {
            try {
                const map = await deps.driver.getAllConfig(stack);
                const config = parseStackConfig(map, stack, { [configKey("imageTag")]: options.imageTag });
                configs.set(stack, { map, config });
                deps.redactor.add(config.slack.webhookUrl);
                return {
                    outcome: "passed" as const,
                    detail: `image ${config.imageRepository}:${options.imageTag}, bake ${config.release.bakeSeconds} s${config.release.loadTest ? ", load test" : ""}`,
                    value: undefined,
                };
            } catch (e) {
                const message = e instanceof ConfigError ? e.message : `cannot read the config: ${(e as Error).message}`;
                problems.push(message);
                return { outcome: "failed" as const, detail: message.split("\n")[0], value: undefined };
            }
        });
    }
    if (problems.length > 0) throw new PreflightRefusal(problems);
    return { commit: dirty.length > 0 ? `${commit}+dirty` : commit, configs };
}
