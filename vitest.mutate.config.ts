/**
 * The tests `npm run mutate` runs against each mutant. A mutant lives in the
 * test process's copy of `src/`, so only tests that run code in-process can
 * kill it: the unit tests and the integration tests that drive flows through
 * `runInProcess`/`setUpWith` or import `src/` directly. Tests that only spawn
 * the built `dist/` bundles (packaging, the Tilt extension, the chart) see no
 * mutant and would only slow every run down.
 */
import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/unit/**/*.test.ts",
      ...[
        "ensure-local-secrets",
        "flyway-settings",
        "flyway-status",
        "flyway",
        "helm-layer",
        "kube",
        "kubeconfig-merge",
        "post-start",
        "postgres-check",
        "postgres-no-answer",
        "stale-credentials",
        "vault-faults",
        "vault-no-answer",
        "verify-mode",
        "why-connect",
        "why-flyway-link",
        "why",
      ].map((name) => `test/integration/${name}.test.ts`),
    ],
    // Reads source text, not behaviour: no mutant changes what it checks.
    exclude: [...configDefaults.exclude, "test/unit/layers.test.ts"],
  },
});
