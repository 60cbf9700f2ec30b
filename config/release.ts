/** `ologywood:release`, `ologywood:mailpit`, `ologywood:postDeployCheck`: how a rollout is verified. */
import { z } from "zod";
import { SCRAPE_INTERVAL_SECONDS } from "../metrics/contract";
import { boolean, integer, resources } from "./types";

/**
 * The shortest bake a production tier stack may have. The plan watches production closely for the
 * first hour after a deploy ("Hour 1: Critical Monitoring", a look every 5 minutes); the release's
 * bake is the automatic part of that watch, so it must last at least two of those looks (600 s).
 * It must also be long enough for the bake gate to reach a verdict within it: a streak of
 * release.bakeFailureSamples bad or release.bakeNoDataSamples missing samples, taken
 * release.bakeIntervalSeconds apart. The larger of the two is required (config/schema.ts).
 */
export const PRODUCTION_MIN_BAKE_SECONDS = 600;

/** The bake a production tier stack needs at least, for its bake gate settings (see PRODUCTION_MIN_BAKE_SECONDS). */
export function productionMinBakeSeconds(r: { bakeIntervalSeconds: number; bakeFailureSamples: number; bakeNoDataSamples: number }): number {
    return Math.max(PRODUCTION_MIN_BAKE_SECONDS, Math.max(r.bakeFailureSamples, r.bakeNoDataSamples) * r.bakeIntervalSeconds);
}

export const releaseSchema = z.strictObject(
    {
        /**
         * How long the bake gate watches metrics after smoke tests pass; 0 skips it. A production tier
         * stack needs at least 600 s, and at least max(bakeFailureSamples, bakeNoDataSamples) x
         * bakeIntervalSeconds when that is longer: the plan watches production for an hour after a
         * deploy, and the gate must be able to reach its verdict within the bake.
         */
        bakeSeconds: integer(0, 86400).default(300),
        /** Run the load test gate on this stack (the plan runs it on staging only). */
        loadTest: boolean().default(false),
        /**
         * Total request rate of the load test, requests per second across all simulated users: the
         * default gives each of the plan's 50 users one request a second (a k6 user with sleep(1)).
         * While loadTest is on it must stay at or below ingress.rateLimitRps (the test runs from one
         * client IP, and above the ingress-nginx per-IP limit it would measure the limiter's 503s, not
         * the app) and at or above the load test's users (each needs a request a second).
         */
        loadTestRps: integer(1, 100000, "a request rate").default(50),
        /**
         * Seconds between two bake samples. At least the Prometheus scrape interval (metrics/contract.ts,
         * 30 s): a shorter interval reads the same scrape twice and counts one bad scrape as two
         * "consecutive" samples.
         */
        bakeIntervalSeconds: integer(SCRAPE_INTERVAL_SECONDS, 3600, "a number of seconds").default(SCRAPE_INTERVAL_SECONDS),
        /** Consecutive samples beyond the plan's rollback criteria that fail the bake gate (one bad sample is noise). */
        bakeFailureSamples: integer(2, 20, "a number of samples").default(3),
        /** Consecutive samples without data (no series, NaN, source unreachable) that fail the bake gate: missing data is never a pass. */
        bakeNoDataSamples: integer(2, 60, "a number of samples").default(5),
        /** How long the smoke test waits for the booking_request email in the mail catcher. */
        mailTimeoutSeconds: integer(10, 1800, "a number of seconds").default(120),
    },
    { error: "expected an object" },
);

/** Mailpit release deployed by default; bump deliberately (https://github.com/axllent/mailpit/releases). */
export const MAILPIT_IMAGE = "docker.io/axllent/mailpit:v1.30.5";

const PINNED_IMAGE = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$/;
const PINNED_IMAGE_EXPECTED =
    "expected an image with a fixed version tag, e.g. docker.io/axllent/mailpit:v1.30.5 (optionally @sha256:<digest>); 'latest' is not pinned";

export const mailpitSchema = z.strictObject(
    {
        /** Deploy a Mailpit mail catcher and point the email service at it (staging only, never prod). */
        enabled: boolean().default(false),
        /** Mailpit image: a version tag (and optionally a digest), never `latest`. */
        image: z
            .string({ error: PINNED_IMAGE_EXPECTED })
            .refine((v) => PINNED_IMAGE.test(v) && !/:latest(@|$)/.test(v), { error: PINNED_IMAGE_EXPECTED })
            .default(MAILPIT_IMAGE),
        /** Messages kept; Mailpit prunes the oldest beyond this (a load test sends many). */
        maxMessages: integer(10, 100000).default(500),
        /** Requests and limits of the Mailpit container (a mail catcher for tests: small). */
        resources: resources({ cpu: "10m", memory: "32Mi", cpuLimit: "250m", memoryLimit: "128Mi" }),
    },
    { error: "expected an object" },
);

export const postDeployCheckSchema = z.strictObject(
    {
        /**
         * Declare the check (a @pulumi/command resource that runs where `pulumi up` runs, with curl
         * and bash). Off only where that provider plugin cannot be installed (the local rehearsal):
         * the release's smoke gate still checks /health after every update.
         */
        enabled: boolean().default(true),
        /** Attempts at GET <public URL>/health before `pulumi up` fails. */
        attempts: integer(1, 120).default(30),
        /** Pause between attempts. */
        intervalSeconds: integer(1, 60).default(10),
        /** Per-request timeout. */
        timeoutSeconds: integer(1, 60).default(5),
    },
    { error: "expected an object" },
);
