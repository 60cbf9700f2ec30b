/**
 * Ologywood deployment: `pulumi up` on a stack (staging, then prod) deploys the booking system.
 * Config: Pulumi.<stack>.yaml, parsed by config/schema.ts. Composition: program.ts.
 * Offline: `npm run render -- <stack>` runs this same program under the mock runtime.
 */
import { loadStackConfig } from "./config/pulumi";
import { deployStack } from "./program";

const stack = deployStack(loadStackConfig());

/** Public URL of the API. */
export const url = stack.url;
/** Kubernetes namespace of the stack. */
export const namespace = stack.namespace;
/** Version deployed. */
export const imageTag = stack.imageTag;
/** Whether the public host serves the maintenance page. */
export const maintenance = stack.maintenance;
/** The stack's database (ologywood_<stack>). */
export const databaseName = stack.databaseName;
/** While a restore is requested: its request id, backup file, Job and whether it succeeded (npm run db:restore reads it). */
export const databaseRestore = stack.databaseRestore;
/** Staging's mail catcher: the command that makes its API reachable on localhost (undefined without it). */
export const mailpitPortForward = stack.mailpit?.portForward;
/** Staging's mail catcher API, in-cluster (the release's smoke test reads it; undefined without it). */
export const mailCatcherUrl = stack.mailpit?.apiUrl;
