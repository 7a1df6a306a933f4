import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO } from "../helpers/cli.js";
import { helmBinary } from "../helpers/helm.js";
import { servedCrdSchema } from "../helpers/reference.js";
import { runChild } from "../helpers/run-child.js";

const CHART = join(REPO, "charts/db-migrations");
type Doc = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  // Rendered manifests are checked field by field below; their shape is the chart's.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  spec?: any;
  data?: Record<string, string>;
};

function helmTemplate(valuesFile: string, release: string, extra: string[] = []) {
  return runChild(helmBinary(), [
    "template",
    release,
    CHART,
    "--namespace",
    "ameide",
    "--values",
    join(CHART, valuesFile),
    ...extra,
  ]);
}

async function render(valuesFile: string, release = "db-migrations"): Promise<Doc[]> {
  const r = await helmTemplate(valuesFile, release);
  expect(r.status, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Doc)
    .filter(Boolean);
}

const job = (docs: Doc[]) => docs.find((d) => d.kind === "Job")!;
const envFrom = (d: Doc) =>
  d.spec.template.spec.containers[0].envFrom.map(
    (e: { secretRef: { name: string } }) => e.secretRef.name,
  );

describe("charts/db-migrations, rendered by a real helm", () => {
  it("passes helm lint with every values file", async () => {
    for (const values of ["values-local.yaml", "values-staging.yaml", "values-production.yaml"]) {
      const r = await runChild(helmBinary(), ["lint", CHART, "--values", join(CHART, values)]);
      expect(r.status, `${values}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it("local: a pre-install/pre-upgrade Job mounting db-migrations-local, with the entrypoint and the migrations", async () => {
    const docs = await render("values-local.yaml");
    const j = job(docs);
    expect(j.metadata.name).toBe("db-migrations-migrate");
    expect(j.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(envFrom(j)).toEqual(["db-migrations-local"]);
    const env = Object.fromEntries(
      j.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [
        e.name,
        e.value,
      ]),
    );
    expect(env).toMatchObject({
      DATABASES: "platform agents",
      PRIMARY_DATABASE: "platform",
      AGENTS_BASELINE_VERSION: "3",
      FLYWAY_ACTION: "migrate",
    });
    // ConfigMaps are hooks too, weighted before the Job, or they would not exist yet.
    const entry = docs.find(
      (d) => d.kind === "ConfigMap" && d.metadata.name === "db-migrations-entrypoint",
    )!;
    expect(Number(entry.metadata.annotations?.["helm.sh/hook-weight"])).toBeLessThan(0);
    expect(entry.data?.["flyway-entrypoint.sh"]).toBe(
      readFileSync(join(CHART, "files/flyway-entrypoint.sh"), "utf8").replace(/\n$/, ""),
    );
    const platformSql = docs.find((d) => d.metadata.name === "db-migrations-sql-platform")!;
    expect(Object.keys(platformSql.data ?? {}).sort()).toEqual([
      "R__Organization_summary_view.sql",
      "V1_1__Create_users.sql",
      "V1__Create_organizations.sql",
      "V2__Add_user_display_name.sql",
    ]);
    expect(docs.some((d) => d.kind === "ExternalSecret")).toBe(false);
    const test = docs.find((d) => d.kind === "Pod")!;
    expect(test.metadata.annotations?.["helm.sh/hook"]).toBe("test");
  });

  it("staging/production: an ExternalSecret against the same Vault store, valid by the ESO CRD, mounted by the Job", async () => {
    const schema = servedCrdSchema("eso/external-secrets.io_externalsecrets.yaml", "v1");
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
    for (const [values, path] of [
      ["values-staging.yaml", "staging/db-migrations"],
      ["values-production.yaml", "production/db-migrations"],
    ] as const) {
      const docs = await render(values, "migrations");
      const es = docs.find((d) => d.kind === "ExternalSecret")!;
      expect(validate(es), JSON.stringify(validate.errors)).toBe(true);
      expect(es.spec).toMatchObject({
        secretStoreRef: { name: "ameide-vault", kind: "ClusterSecretStore" },
        target: { name: "migrations" },
        dataFrom: [{ extract: { key: path } }],
      });
      expect(envFrom(job(docs))).toEqual(["migrations"]);
    }
  });

  it("demo seed data: local mounts each database's seed location; staging and production cannot enable it", async () => {
    const local = job(await render("values-local.yaml"));
    const container = local.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: "SEED_ROOT", value: "/flyway/seed" });
    expect(container.volumeMounts).toContainEqual({
      name: "seed-platform",
      mountPath: "/flyway/seed/platform",
    });
    const seed = (await render("values-local.yaml")).find(
      (d) => d.metadata.name === "db-migrations-seed-platform",
    )!;
    expect(Object.keys(seed.data ?? {})).toEqual(["R__Demo_organizations.sql"]);
    for (const values of ["values-staging.yaml", "values-production.yaml"]) {
      const docs = await render(values);
      expect(docs.some((d) => d.metadata.name.includes("-seed-"))).toBe(false);
      expect(JSON.stringify(job(docs).spec)).not.toContain("SEED_ROOT");
      const r = await helmTemplate(values, "db-migrations", ["--set", "seedData.enabled=true"]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /seedData\.enabled is true for environment "(staging|production)": demo seed data is for local environments only/,
      );
    }
  });
});
