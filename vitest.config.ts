// Two vitest projects: tests inside workerd (the Cloudflare plugin) and Node tests that drive `wrangler dev`.
// `npm test` lints (Biome, with the layer import rule) and type-checks first, then runs both.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./test/wrangler.test.toml" },
            // The fuzz test's knobs (test/runtime/fuzz/config.ts), passed from the shell into the Worker's env.
            miniflare: { bindings: { FUZZ_CASES: process.env.FUZZ_CASES ?? "", FUZZ_SEED: process.env.FUZZ_SEED ?? "", FUZZ_CASE: process.env.FUZZ_CASE ?? "" } },
          }),
        ],
        test: { name: "workers", include: ["test/runtime/**/*.test.ts"] },
      },
      {
        test: {
          name: "node",
          include: ["test/core/**/*.test.ts", "test/process/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
