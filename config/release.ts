/** `ologywood:release`, `ologywood:mailpit`, `ologywood:postDeployCheck`: how a rollout is verified. */
import { z } from "zod";
import { boolean, integer } from "./types";

export const releaseSchema = z.strictObject({
    /** How long the bake gate watches metrics after smoke tests pass. */
    bakeSeconds: integer(0, 86400).default(300),
    /** Run the load test gate on this stack (the plan runs it on staging only). */
    loadTest: boolean().default(false),
}, { error: "expected an object" });

export const mailpitSchema = z.strictObject({
    /** Deploy a Mailpit mail catcher and point the email service at it (staging only, never prod). */
    enabled: boolean().default(false),
}, { error: "expected an object" });

export const postDeployCheckSchema = z.strictObject({
    /** Attempts at GET <public URL>/health before `pulumi up` fails. */
    attempts: integer(1, 120).default(30),
    /** Pause between attempts. */
    intervalSeconds: integer(1, 60).default(10),
    /** Per-request timeout. */
    timeoutSeconds: integer(1, 60).default(5),
}, { error: "expected an object" });
