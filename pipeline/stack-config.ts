/**
 * A stack's config as the commands see it: the driver's `getAllConfig` map, validated by the same
 * zod schema that `pulumi up` and the render use. Shared by release, rollback, maintenance and
 * db:restore, so every command refuses the same bad config with the same messages.
 */
import { fromPulumiConfigMap, parseConfigOrThrow, PROJECT } from "../config/load";
import type { OlogywoodConfig } from "../config/schema";
import { ConfigMap, StackDriver } from "./drivers/driver";

/** `{ key: { value, secret } }` to `{ key: value }`, the shape fromPulumiConfigMap reads. */
export function flattenConfigMap(config: ConfigMap): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([key, v]) => [key, v.value]));
}

/**
 * Validates a config map; `overrides` (full keys, e.g. `ologywood:imageTag`) are applied first,
 * so a command can check the config it is about to write before writing it.
 * Throws ConfigError listing every problem.
 */
export function parseStackConfig(config: ConfigMap, stack: string, overrides: Record<string, string> = {}): OlogywoodConfig {
    return parseConfigOrThrow(fromPulumiConfigMap({ ...flattenConfigMap(config), ...overrides }), `config of stack '${stack}'`);
}

/** Reads and validates a stack's config through the driver. */
export async function fetchStackConfig(
    driver: StackDriver,
    stack: string,
    overrides: Record<string, string> = {},
): Promise<{ map: ConfigMap; config: OlogywoodConfig }> {
    const map = await driver.getAllConfig(stack);
    return { map, config: parseStackConfig(map, stack, overrides) };
}

/** Full key of an `ologywood:` setting. */
export function configKey(key: string): string {
    return `${PROJECT}:${key}`;
}
