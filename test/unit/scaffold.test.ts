/**
 * What `dev-bootstrap init` writes: a config that loads and says what was asked,
 * whose commented keys are the real defaults; fixture files the seed reads; layer
 * 42's helmfile, values and chart links, each pointing where helm will look.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveConfig } from "../../src/config/resolve.js";
import {
  isDatabaseName,
  type ScaffoldInput,
  type ScaffoldLayer42,
  scaffold,
  yamlScalar,
} from "../../src/core/scaffold.js";

const layer42: ScaffoldLayer42 = {
  helmfile: "helmfile/42-db-migrations.yaml",
  environment: "local",
  chart: "charts/db-migrations",
  valuesFile: "helmfile/values/db-migrations.yaml",
  release: "db-migrations",
  secretName: "db-migrations-local",
  seedData: true,
  seedDir: "db/seed",
  packageChart: "node_modules/dev-bootstrap/charts/db-migrations",
};

const input = (extra: Partial<ScaffoldInput> = {}): ScaffoldInput => ({
  databases: [
    { name: "platform", vaultPath: "platform/db" },
    { name: "agents", vaultPath: "agents/db", baselineVersion: "3" },
  ],
  namespace: "shop",
  fixturesDir: "vault/fixtures",
  sqlDir: "db/flyway/sql",
  extensionTiltfile: "./node_modules/dev-bootstrap/tilt/Tiltfile",
  ...extra,
});

const fileOf = (s: ReturnType<typeof scaffold>, path: string): string => {
  const file = s.files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} among ${s.files.map((f) => f.path).join(", ")}`);
  return file.content;
};

/** The config the written dev-bootstrap.yaml loads to, with no environment. */
function load(configText: string) {
  const cwd = mkdtempSync(join(tmpdir(), "scaffold-"));
  writeFileSync(join(cwd, "dev-bootstrap.yaml"), configText);
  return resolveConfig({ cwd, env: {} }).config;
}

/** Every commented `key: value` line made a setting, its trailing note kept as a comment. */
function uncommented(configText: string): string {
  return configText
    .split("\n")
    .map((line) => line.replace(/^(\s*)# (\s*[A-Za-z0-9"]+:( |$))/, "$1$2"))
    .join("\n");
}

describe("init's dev-bootstrap.yaml", () => {
  it("loads, with the namespace, databases and ExternalSecrets it was given", () => {
    const config = load(
      fileOf(scaffold(input({ settings: { namespace: "shop" } })), "dev-bootstrap.yaml"),
    );
    expect(config.namespace).toBe("shop");
    expect(
      config.migrations.databases.map((d) => [d.name, d.vaultPath, d.baselineVersion]),
    ).toEqual([
      ["platform", "platform/db", undefined],
      ["agents", "agents/db", "3"],
    ]);
    expect(config.eso.externalSecrets.map((e) => [e.name, e.vaultPath])).toEqual([
      ["platform-db-credentials", "platform/db"],
      ["agents-db-credentials", "agents/db"],
    ]);
    expect(config.vault.fixturesDir).toBe("vault/fixtures");
  });

  it("writes the settings given as flags as settings, the rest as commented defaults", () => {
    const text = fileOf(
      scaffold(
        input({
          settings: {
            namespace: "shop",
            stateDir: ".state",
            "log.format": "json",
            "vault.addr": "http://vault.local:8200",
            "vault.fixturesDir": "secrets/fixtures",
            "kube.context": "kind-shop",
            "migrations.sqlDir": "sql",
          },
        }),
      ),
      "dev-bootstrap.yaml",
    );
    const config = load(text);
    expect(config.namespace).toBe("shop");
    expect(config.stateDir).toBe(".state");
    expect(config.log.format).toBe("json");
    expect(config.vault.addr).toBe("http://vault.local:8200");
    expect(config.vault.fixturesDir).toBe("secrets/fixtures");
    expect(config.kube.context).toBe("kind-shop");
    expect(config.migrations.sqlDir).toBe("sql");
    // Each setting once, in its section.
    expect(text.match(/^kube:\n {2}context: kind-shop$/m)).not.toBeNull();
    expect(text.match(/^log:\n {2}format: json$/m)).not.toBeNull();
    expect(text).not.toMatch(/# (namespace|stateDir|addr|sqlDir):/);
  });

  it("leaves out the log and kube sections when no flag set them", () => {
    const text = fileOf(scaffold(input()), "dev-bootstrap.yaml");
    expect(text).not.toMatch(/^(log|kube):/m);
    expect(load(text).kube.context).toBeUndefined();
  });

  it("comments out the real defaults: uncommenting every key changes nothing", () => {
    const text = fileOf(scaffold(input()), "dev-bootstrap.yaml");
    const opened = uncommented(text);
    // Every commented key became a setting: namespace, stateDir, addr, mount, store,
    // the helm layer, secretName, mode, sqlDir.
    expect(opened).not.toMatch(/^\s*# \s*[A-Za-z0-9"]+:( |$)/m);
    for (const key of [
      "namespace",
      "stateDir",
      "addr",
      "mount",
      "store",
      "helm",
      "secretName",
      "mode",
      "sqlDir",
    ])
      expect(opened).toMatch(new RegExp(`^\\s*${key}:`, "m"));
    expect(load(opened)).toEqual(load(text));
  });

  it("notes that the token is never read from the file", () => {
    const text = fileOf(scaffold(input()), "dev-bootstrap.yaml");
    expect(text).toContain(
      "# The token comes from VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token, never from here.",
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "# dev-bootstrap's configuration. Relative paths resolve against this file's",
      "# directory. Commented keys show their defaults; dev-bootstrap's",
      "# docs/reference/configuration.md lists every key, its environment variable and its flag.",
    ]);
    expect(text).toContain(
      "\n# stateDir: .dev-bootstrap        # journal and locks; add it to .gitignore\n",
    );
  });
});

describe("init's fixture files", () => {
  it("one per database in the fixtures folder (the flag's folder when given)", () => {
    expect(scaffold(input()).files.map((f) => f.path)).toEqual([
      "dev-bootstrap.yaml",
      "vault/fixtures/platform.yaml",
      "vault/fixtures/agents.yaml",
    ]);
    expect(
      scaffold(input({ settings: { "vault.fixturesDir": "secrets" } })).files.map((f) => f.path),
    ).toEqual(["dev-bootstrap.yaml", "secrets/platform.yaml", "secrets/agents.yaml"]);
  });

  it("hold the database's credentials at its Vault path: a derived password, the cluster's service", () => {
    const fixture = parse(fileOf(scaffold(input()), "vault/fixtures/agents.yaml"));
    expect(fixture.description).toBe("Local credentials of the agents database.");
    expect(fixture.paths).toEqual({
      "agents/db": {
        DB_USERNAME: "agents",
        DB_PASSWORD: { derive: { length: 32, alphabet: "alnum" } },
        DB_HOST: { env: "DEV_BOOTSTRAP_DB_HOST", default: "postgres.shop.svc.cluster.local" },
        DB_PORT: { env: "DEV_BOOTSTRAP_DB_PORT", default: "5432" },
        DB_NAME: "agents",
        DATABASE_URL: {
          template:
            "postgresql://${DB_USERNAME}:${DB_PASSWORD | urlencode}@${DB_HOST}:${DB_PORT}/${DB_NAME}",
        },
      },
    });
  });
});

describe("init's layer 42", () => {
  const s = () => scaffold(input({ layer42 }));

  it("is left out unless asked for", () => {
    const plain = scaffold(input());
    expect(plain.links).toEqual([]);
    expect(plain.dirs).toEqual([]);
    expect(plain.files).toHaveLength(3);
  });

  it("a helmfile with one release of the workspace's chart and values, paths from its folder", () => {
    const [head, body] = fileOf(s(), layer42.helmfile)
      .split("\n---\n")
      .map((doc) => parse(doc));
    expect(head).toEqual({ environments: { local: {} } });
    expect(body).toEqual({
      releases: [
        {
          name: "db-migrations",
          namespace: "shop",
          chart: "../charts/db-migrations",
          values: ["values/db-migrations.yaml"],
        },
      ],
    });
    for (const path of [body.releases[0].chart, body.releases[0].values[0]])
      expect(posix.join("helmfile", path)).toMatch(
        /^(charts\/db-migrations|helmfile\/values\/db-migrations\.yaml)$/,
      );
    expect(fileOf(s(), layer42.helmfile)).toContain(
      "writes shop/db-migrations-local first, then runs\n# `helmfile --environment local sync` on this file, then `helm test db-migrations`.",
    );
  });

  it("quotes an environment name YAML would read as something else", () => {
    const helmfile = fileOf(
      scaffold(input({ layer42: { ...layer42, environment: "on" } })),
      layer42.helmfile,
    );
    expect(parse(helmfile.split("\n---\n")[0]!)).toEqual({ environments: { on: {} } });
  });

  it("values: the databases in order with their baselines, the bootstrap's Secret, seed data as asked", () => {
    expect(parse(fileOf(s(), layer42.valuesFile))).toEqual({
      databases: [{ name: "platform" }, { name: "agents", baselineVersion: "3" }],
      existingSecrets: ["db-migrations-local"],
      environment: "local",
      seedData: { enabled: true },
    });
    const off = scaffold(input({ layer42: { ...layer42, seedData: false } }));
    expect(parse(fileOf(off, layer42.valuesFile)).seedData).toEqual({ enabled: false });
  });

  it("links the chart's files into the package and its sql and seed into the workspace", () => {
    expect(s().links).toEqual([
      {
        path: "charts/db-migrations/Chart.yaml",
        target: "../../node_modules/dev-bootstrap/charts/db-migrations/Chart.yaml",
      },
      {
        path: "charts/db-migrations/values.yaml",
        target: "../../node_modules/dev-bootstrap/charts/db-migrations/values.yaml",
      },
      {
        path: "charts/db-migrations/templates",
        target: "../../node_modules/dev-bootstrap/charts/db-migrations/templates",
      },
      {
        path: "charts/db-migrations/files",
        target: "../../node_modules/dev-bootstrap/charts/db-migrations/files",
      },
      { path: "charts/db-migrations/sql", target: "../../db/flyway/sql" },
      { path: "charts/db-migrations/seed", target: "../../db/seed" },
    ]);
    expect(s().dirs).toEqual(["db/flyway/sql", "db/seed"]);
    expect(
      s()
        .files.map((f) => f.path)
        .slice(3),
    ).toEqual([layer42.helmfile, layer42.valuesFile]);
  });

  it("keeps an absolute package chart absolute; a path that normalises to the folder itself is '.'", () => {
    const abs = scaffold(
      input({ layer42: { ...layer42, packageChart: "/opt/dev-bootstrap/charts/db-migrations" } }),
    );
    expect(abs.links[0]).toEqual({
      path: "charts/db-migrations/Chart.yaml",
      target: "/opt/dev-bootstrap/charts/db-migrations/Chart.yaml",
    });
    const self = scaffold(input({ sqlDir: "charts/db-migrations/./", layer42 }));
    expect(self.links.find((l) => l.path.endsWith("/sql"))?.target).toBe(".");
  });
});

describe("init's Tiltfile and devcontainer.json lines", () => {
  it("load the extension and use the workspace's own install", () => {
    const s = scaffold(input());
    expect(s.tiltfileLines).toEqual([
      'load("./node_modules/dev-bootstrap/tilt/Tiltfile", "dev_bootstrap")',
      "dev_bootstrap()",
    ]);
    expect(s.devcontainerLines).toEqual([
      '"features": { "./dev-bootstrap": {} },',
      '"postCreateCommand": "npm ci"',
    ]);
  });
});

describe("isDatabaseName", () => {
  it.each(["platform", "a", "db2", `a${"b".repeat(30)}`])("takes %s", (name) => {
    expect(isDatabaseName(name)).toBe(true);
  });
  it.each(["", "2db", "Platform", "my_db", "my-db", `a${"b".repeat(31)}`, "db\n", " db"])(
    "refuses %j",
    (name) => {
      expect(isDatabaseName(name)).toBe(false);
    },
  );
});

describe("yamlScalar", () => {
  it.each([
    "platform/db",
    "db/flyway/sql",
    ".dev-bootstrap",
    "http://127.0.0.1:8200",
    "a+b@c",
    "x_y",
    "v1.2-rc",
    // Words and numbers only at the start are no boolean or number to YAML.
    "node_modules/dev-bootstrap",
    "on-call",
    "yes.d",
    "1st",
    "a1",
    "1.x",
    "a0b1",
  ])("writes %s plain", (value) => {
    expect(yamlScalar(value)).toBe(value);
  });

  it.each([
    "",
    "true",
    "No",
    "ON",
    "null",
    "~",
    "y",
    "N",
    "123",
    "-1",
    "+2.5",
    "1e3",
    "1_000",
    ".5",
    "3.",
    "0x1F",
    "0o17",
    "0b1",
    "a: b",
    "-dash",
    "#hash",
    "two words",
    "*star",
    'quote"d',
    "tab\tin",
    "ünï",
    ".55",
    "1e+5",
    "1e10",
    "-2.5e-10",
  ])("quotes %j, and it reads back as the same string", (value) => {
    expect(yamlScalar(value)).toBe(JSON.stringify(value));
    expect(parse(`k: ${yamlScalar(value)}`)).toEqual({ k: value });
  });
});

describe("init's files, word for word", () => {
  // The comments are what a reader of a new workspace learns from: they stay as written.
  it("the config, layer 42's helmfile and its values", () => {
    const s = scaffold(input({ layer42 }));
    expect(
      fileOf(s, "dev-bootstrap.yaml"),
    ).toBe(`# dev-bootstrap's configuration. Relative paths resolve against this file's
# directory. Commented keys show their defaults; dev-bootstrap's
# docs/reference/configuration.md lists every key, its environment variable and its flag.

# namespace: ameide
# stateDir: .dev-bootstrap        # journal and locks; add it to .gitignore

vault:
  # addr: http://127.0.0.1:8200   # or VAULT_ADDR
  # The token comes from VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token, never from here.
  # mount: secret
  fixturesDir: vault/fixtures

eso:
  # store: ameide-vault
  # One ExternalSecret per database: ESO writes <name> from the Vault path.
  externalSecrets:
    - { name: platform-db-credentials, vaultPath: platform/db }
    - { name: agents-db-credentials, vaultPath: agents/db }

# Layers merge with the defaults (15 and 42); a layer set to null is removed.
# helm:
#   layers:
#     "42":
#       helmfile: helmfile/42-db-migrations.yaml
#       before: [bootstrap-db-migrations-secret]
#       tests: [db-migrations]

migrations:
  # secretName: db-migrations-local
  # mode: ensure                  # verify in CI: never fall back to Vault defaults
  # sqlDir: db/flyway/sql         # V*__*.sql and R__*.sql under <sqlDir>/<database>/
  # Databases in migration order; the first is the primary (FLYWAY_URL).
  databases:
    - { name: platform, vaultPath: platform/db }
    - { name: agents, vaultPath: agents/db, baselineVersion: "3" }
`);
    expect(
      fileOf(s, layer42.helmfile),
    ).toBe(`# Layer 42: database migrations. \`dev-bootstrap run-helm-layer 42\` (Tilt:
# infra:42-db-migrations) writes shop/db-migrations-local first, then runs
# \`helmfile --environment local sync\` on this file, then \`helm test db-migrations\`.
# Plain YAML without templates: Helmfile 1.x renders only *.gotmpl files as templates.
environments:
  local: {}
---
releases:
  - name: db-migrations
    namespace: shop
    chart: ../charts/db-migrations
    values:
      - values/db-migrations.yaml
`);
    expect(
      fileOf(s, layer42.valuesFile),
    ).toBe(`# The workspace's values for the db-migrations chart (its defaults: values.yaml,
# linked from the installed package). \`run-migrations\` installs with this file too.
# Databases in migration order; the first is the primary (FLYWAY_URL / DATABASE_URL).
databases:
  - name: platform
  - name: agents
    baselineVersion: "3"
# bootstrap-db-migrations-secret writes this Secret before every sync.
existingSecrets:
  - db-migrations-local
environment: local
# Demo seed data from seed/<database> (db/seed); local environments only.
seedData:
  enabled: true
`);
  });
});
