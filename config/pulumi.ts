/** Reading the stack config inside a Pulumi program (pulumi up, preview, render). */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, fromPulumiConfigMap, parseConfig } from "./load";
import type { OlogywoodConfig } from "./schema";

/**
 * Parses every `ologywood:` key of the running stack with the one schema. On bad config the
 * program stops before registering a single resource, with every problem listed.
 */
export function loadStackConfig(): OlogywoodConfig {
    const parsed = parseConfig(fromPulumiConfigMap(pulumi.runtime.allConfig()));
    if (!parsed.ok) {
        // RunError prints just the message: the operator needs the list of keys, not a stack trace.
        throw new pulumi.RunError(new ConfigError(parsed.problems, `config of stack '${pulumi.getStack()}'`).message);
    }
    return parsed.config;
}
