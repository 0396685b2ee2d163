import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      // Your own Worker and bindings: the same objects, storage and alarms as production, in workerd.
      wrangler: { configPath: "./wrangler.toml" },
      // Workers AI is remote only: without it agents use the model the test picks (offline by default).
      remoteBindings: false,
      miniflare: {
        // The secrets a clean checkout has no .dev.vars for, and the app's D1 migrations for test/setup.ts.
        bindings: {
          API_TOKEN: "test-token",
          APPROVAL_SIGNING_KEY: "k1:test-signing-key-0123456789abcdef",
          TEST_MIGRATIONS: await readD1Migrations("migrations"),
        },
      },
    }),
  ],
  test: { include: ["test/**/*.test.ts"], setupFiles: ["test/setup.ts"] },
});
