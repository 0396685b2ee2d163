// The vitest projects, chosen by file suffix (test/ mirrors src/; the runner is in the name):
// `*.test.ts` runs inside workerd (the Cloudflare plugin; the seed port and the example workflows have
// their own Workers); `*.unit.test.ts` (pure) and `*.e2e.test.ts` (drives real `wrangler dev` processes)
// run in Node. `npm test` lints (Biome, with the layer import rule) and type-checks first, then runs them
// all, two files at a time (the machines have two cores; vitest would take one).
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

const UNIT_TESTS = "test/**/*.unit.test.ts";
const E2E_TESTS = "test/**/*.e2e.test.ts";
const NODE_TESTS = [UNIT_TESTS, E2E_TESTS];
/** The seed port (examples/seed) runs as its own Worker, in its own project. */
const SEED_TESTS = ["test/examples/**/*.test.ts"];
/**
 * The example workflows' own tests run as a user's would: the app's wrangler.toml and Worker (src/index.ts),
 * through the testing kit (stepwise/testing), with only the secrets a clean clone lacks given here.
 */
const APP_TESTS = ["test/workflows/examples/**/*.test.ts"];

/**
 * Files of the Worker tests that need a runtime of their own: they assert on what the whole storage holds
 * (an empty run list) or on every definition the isolate has made. The others share one runtime and its
 * storage, file after file (isolate: false): each makes its own keys, and skipping a workerd start and a
 * module graph per file is most of the suite's time.
 */
const ISOLATED_WORKER_TESTS = ["test/ui/session.test.ts", "test/docs/readme-worker.test.ts"];

// The app's D1 migrations (migrations/), read here in Node and applied inside workerd before each test
// file by test/helpers/apply-migrations.ts (idempotent: a shared runtime's storage has them already).
const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      workersProject("workers", { isolate: false, exclude: ISOLATED_WORKER_TESTS }),
      workersProject("workers-isolated", { isolate: true, include: ISOLATED_WORKER_TESTS }),
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./test/examples/wrangler.seed.toml" },
            // The seed port's own D1 migrations, for the same setup file.
            miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./examples/seed/migrations", import.meta.url))) } },
          }),
        ],
        test: { name: "seed", include: SEED_TESTS, exclude: NODE_TESTS, setupFiles: ["test/helpers/apply-migrations.ts"] },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Workers AI is remote only: left out, so agents run on the kit's model.
            remoteBindings: false,
            miniflare: {
              bindings: {
                API_TOKEN: "test-token",
                APPROVAL_SIGNING_KEY: "k1:app-test-signing-key-0123456789",
                PUBLIC_BASE_URL: "http://stepwise.test",
                TEST_MIGRATIONS: migrations,
              },
            },
          }),
        ],
        test: { name: "app", include: APP_TESTS, exclude: NODE_TESTS, setupFiles: ["test/helpers/apply-migrations.ts"] },
      },
      // Pure functions: one module graph for all.
      { test: { name: "unit", include: [UNIT_TESTS], environment: "node", isolate: false } },
      // Each file starts its own wrangler dev servers (free ports, own state); two files run at once.
      { test: { name: "e2e", include: [E2E_TESTS], environment: "node", testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});

/** The Worker tests' project (test/wrangler.test.toml): `include` narrows it, `exclude` leaves files out. */
function workersProject(name: string, opts: { isolate: boolean; include?: string[]; exclude?: string[] }) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./test/wrangler.test.toml" },
        // The fuzz test's knobs (test/http/fuzz/config.ts), passed from the shell into the Worker's env,
        // and the D1 migrations for the setup file.
        miniflare: {
          bindings: {
            FUZZ_CASES: process.env.FUZZ_CASES ?? "",
            FUZZ_SEED: process.env.FUZZ_SEED ?? "",
            FUZZ_CASE: process.env.FUZZ_CASE ?? "",
            TEST_MIGRATIONS: migrations,
          },
        },
      }),
    ],
    test: {
      name,
      include: opts.include ?? ["test/**/*.test.ts"],
      exclude: [...configDefaults.exclude, ...NODE_TESTS, ...SEED_TESTS, ...APP_TESTS, ...(opts.exclude ?? [])],
      setupFiles: ["test/helpers/apply-migrations.ts"],
      isolate: opts.isolate,
    },
  };
}
