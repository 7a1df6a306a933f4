/**
 * The chart's Job and test pod run the pinned Flyway and read the settings
 * run-migrations hands over (flyway.env), rendered by a real helm.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO } from "../helpers/cli.js";
import { helmBinary } from "../helpers/helm.js";
import { runChild } from "../helpers/run-child.js";

const CHART = join(REPO, "charts/db-migrations");

function template(values: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), "chart-values-")), "values.json");
  writeFileSync(file, JSON.stringify(values));
  return runChild(helmBinary(), [
    "template",
    "db-migrations",
    CHART,
    "--namespace",
    "ameide",
    "--values",
    join(CHART, "values-local.yaml"),
    "--values",
    file,
  ]);
}

type Container = { image: string; env: Array<{ name: string; value: string }> };
const containers = (stdout: string): Record<string, Container> => {
  const docs = parseAllDocuments(stdout)
    .map((d) => d.toJS())
    .filter(Boolean);
  const job = docs.find((d) => d.kind === "Job");
  const pod = docs.find((d) => d.kind === "Pod");
  return { job: job.spec.template.spec.containers[0], pod: pod.spec.containers[0] };
};

describe("the chart's Flyway", () => {
  it("is pinned to a full 10.x tag, the one flyway-status follows", async () => {
    const r = await template({});
    expect(r.status, r.stderr).toBe(0);
    for (const c of Object.values(containers(r.stdout)))
      expect(c.image).toBe("flyway/flyway:10.22.0");
  });

  it("reads the handed-over settings in the Job and in the validate pod alike", async () => {
    const r = await template({
      flyway: {
        env: {
          FLYWAY_TABLE: "schema_history",
          FLYWAY_SCHEMAS: "app",
          FLYWAY_PLACEHOLDERS_OWNER: "o",
          FLYWAY_CONNECT_RETRIES: "3",
        },
      },
    });
    expect(r.status, r.stderr).toBe(0);
    for (const c of Object.values(containers(r.stdout))) {
      const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({
        FLYWAY_TABLE: "schema_history",
        FLYWAY_SCHEMAS: "app",
        FLYWAY_PLACEHOLDERS_OWNER: "o",
        FLYWAY_CONNECT_RETRIES: "3",
      });
      expect(c.env.filter((e) => e.name === "FLYWAY_CONNECT_RETRIES")).toHaveLength(1);
    }
  });

  it("refuses connection and location settings there (the entrypoint owns them)", async () => {
    const r = await template({ flyway: { env: { FLYWAY_PASSWORD: "x" } } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /flyway\.env\.FLYWAY_PASSWORD: only FLYWAY_\* settings other than the connection and locations belong here/,
    );
  });
});
