// Lint: typescript-eslint's recommended rules, and the boundaries between the parts of the
// project, so that a wrong import fails `npm test` instead of a review:
//   - product code never imports tests (test doubles and helpers live in tests/support); the
//     benchmarks (bench/) and the rehearsal (rehearsal/) are harnesses that run those stand-ins
//     and the tests' PostgreSQL on purpose, so they may;
//   - components never import the pipeline or the commands, nor config values (types only):
//     what a component needs comes in through its Args.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const TESTS = { group: ["**/tests/**", "**/tests"], message: "product code never imports tests/ (test doubles and helpers live in tests/support)" };

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "out/**", ".bench/**", "policy/node_modules/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // The mock runtime and the Automation API hand over untyped JSON; `any` is how that is read.
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
            // Lazy loading (the Automation API only when a command runs) is on purpose.
            "@typescript-eslint/no-require-imports": "off",
        },
    },
    {
        files: ["**/*.ts"],
        ignores: ["tests/**", "bench/**", "rehearsal/**"],
        rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [TESTS] }] },
    },
    {
        files: ["components/**/*.ts"],
        rules: {
            "@typescript-eslint/no-restricted-imports": [
                "error",
                {
                    patterns: [
                        TESTS,
                        { group: ["**/pipeline/**", "**/pipeline", "**/cli/**", "**/cli"], message: "components never import the pipeline or the commands" },
                        {
                            group: ["**/config/*", "!**/config/types"],
                            allowTypeImports: true,
                            message: "components take config values through their Args; import config types only (import type)",
                        },
                    ],
                },
            ],
        },
    },
);
