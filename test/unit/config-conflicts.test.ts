/**
 * Config that would make runs fight themselves (FAULTS 50): two entries naming one
 * object, run state leading out of the workspace through a symbolic link, control
 * characters in paths. Each is refused with where it stands, or warned about.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { ConfigError } from "../../src/core/errors.js";

function workspace(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  if (yaml !== undefined) writeFileSync(join(dir, "dev-bootstrap.yaml"), yaml);
  return dir;
}

function refusal(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  flags?: Record<string, unknown>,
): { message: string; hint: string } {
  try {
    resolveConfig({
      cwd,
      env,
      ...(flags ? { flags, flagNames: { stateDir: "--state-dir" } } : {}),
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.exitCode).toBe(2);
    return { message: e.message.replaceAll(cwd, "<ws>"), hint: e.hint };
  }
  throw new Error("expected a ConfigError");
}

const es = (...entries: string[]) => `eso:\n  externalSecrets:\n${entries.join("")}`;
const esEntry = (fields: string) => `    - { ${fields} }\n`;
const dbs = (...entries: string[]) => `migrations:\n  databases:\n${entries.join("")}`;

describe("entries that name one object twice are refused where the copy stands", () => {
  const cases: Array<{ name: string; yaml: string; message: string; hint: RegExp }> = [
    {
      name: "two ExternalSecrets of one name (the Secret would flip between them)",
      yaml: es(
        esEntry("name: app-creds, vaultPath: app/db"),
        esEntry("name: app-creds, vaultPath: other/db"),
      ),
      message:
        "<ws>/dev-bootstrap.yaml:4:15: eso.externalSecrets.1.name: ExternalSecret ameide/app-creds is defined twice: each run would apply both and its Secret would flip between their contents (see eso.externalSecrets.0.name, line 3:15)",
      hint: /give each ExternalSecret its own name/,
    },
    {
      name: "one name twice in one namespace, once given and once by default",
      yaml: `namespace: dev\n${es(
        esEntry("name: app-creds, vaultPath: app/db, namespace: dev"),
        esEntry("name: app-creds, vaultPath: other/db"),
      )}`,
      message:
        "<ws>/dev-bootstrap.yaml:5:15: eso.externalSecrets.1.name: ExternalSecret dev/app-creds is defined twice: each run would apply both and its Secret would flip between their contents (see eso.externalSecrets.0.name, line 4:15)",
      hint: /own name/,
    },
    {
      name: "two ExternalSecrets writing one Secret (ESO lets one own it)",
      yaml: es(
        esEntry("name: app-creds, vaultPath: app/db"),
        esEntry("name: app-creds-2, vaultPath: other/db, target: app-creds"),
      ),
      message:
        "<ws>/dev-bootstrap.yaml:4:57: eso.externalSecrets.1.target: ExternalSecrets app-creds and app-creds-2 both write Secret ameide/app-creds: ESO lets one own it and the other never becomes Ready (see eso.externalSecrets.0.name, line 3:15)",
      hint: /its own target Secret/,
    },
    {
      name: "an ExternalSecret writing the Vault token Secret the store reads",
      yaml: es(
        esEntry("name: app-creds, vaultPath: app/db"),
        esEntry("name: vault-token, vaultPath: other/db, namespace: external-secrets"),
      ),
      message:
        "<ws>/dev-bootstrap.yaml:4:15: eso.externalSecrets.1.name: ExternalSecret vault-token writes Secret external-secrets/vault-token, the Vault token the ClusterSecretStore reads: ESO would overwrite it and lose its own access (see eso.tokenSecret.name, its default)",
      hint: /eso\.tokenSecret another name/,
    },
    {
      name: "an ExternalSecret writing the migrations secret",
      yaml: es(esEntry("name: app-creds, vaultPath: app/db, target: db-migrations-local")),
      message:
        "<ws>/dev-bootstrap.yaml:3:53: eso.externalSecrets.0.target: ExternalSecret app-creds writes Secret ameide/db-migrations-local, the migrations secret bootstrap-db-migrations-secret writes: the two would overwrite each other (see migrations.secretName, its default)",
      hint: /migrations\.secretName another name/,
    },
    {
      name: "the migrations secret named as the Vault token Secret",
      yaml: "namespace: external-secrets\nmigrations:\n  secretName: vault-token\n",
      message:
        "<ws>/dev-bootstrap.yaml:3:15: migrations.secretName: the migrations secret external-secrets/vault-token is also the Vault token Secret: writing one replaces the other (see eso.tokenSecret.name, its default)",
      hint: /different names/,
    },
    {
      name: "a database reading the migrations secret it is written into",
      yaml: dbs("    - { name: app, vaultPath: app/db, sourceSecret: db-migrations-local }\n"),
      message:
        "<ws>/dev-bootstrap.yaml:3:53: migrations.databases.0.sourceSecret: database app reads its credentials from Secret ameide/db-migrations-local, the migrations secret written from them (see migrations.secretName, its default)",
      hint: /Secret ESO delivers/,
    },
    {
      name: "two databases of one name",
      yaml: dbs(
        "    - { name: app, vaultPath: app/db }\n",
        "    - { name: app, vaultPath: other/db }\n",
      ),
      message:
        "<ws>/dev-bootstrap.yaml:4:15: migrations.databases.1.name: database app is listed twice: the migrations secret holds one entry per database and Flyway would run twice (see migrations.databases.0.name, line 3:15)",
      hint: /remove the copy/,
    },
    {
      name: "one database under two names: one source Secret",
      yaml: dbs(
        "    - { name: app, vaultPath: app/db }\n",
        "    - { name: app2, vaultPath: app2/db, sourceSecret: app-db-credentials }\n",
      ),
      message:
        "<ws>/dev-bootstrap.yaml:4:55: migrations.databases.1.sourceSecret: databases app and app2 both take their credentials from Secret ameide/app-db-credentials: one database under two names, and Flyway would run both migration sets on it (see migrations.databases.0.name, line 3:15)",
      hint: /its own source Secret/,
    },
    {
      name: "one database under two names: source Secrets ESO fills from one Vault path",
      yaml: `${es(
        esEntry("name: app-db-credentials, vaultPath: app/db"),
        esEntry("name: copy-db-credentials, vaultPath: app/db"),
      )}${dbs("    - { name: app, vaultPath: app/db }\n", "    - { name: copy, vaultPath: copy/db }\n")}`,
      message:
        "<ws>/dev-bootstrap.yaml:8:15: migrations.databases.1.name: databases app and copy both take their credentials from Vault secret/app/db (through their ExternalSecrets): one database under two names, and Flyway would run both migration sets on it (see migrations.databases.0.name, line 7:15)",
      hint: /its own source Secret/,
    },
  ];
  it.each(cases)("$name", ({ yaml, message, hint }) => {
    const cwd = workspace(yaml);
    const r = refusal(cwd);
    expect(r.message).toBe(message);
    expect(r.hint).toMatch(hint);
  });

  it("allows one name in two namespaces, and the defaults", () => {
    const cwd = workspace(
      es(
        esEntry("name: app-creds, vaultPath: app/db"),
        esEntry("name: app-creds, vaultPath: app/db, namespace: other"),
      ),
    );
    expect(resolveConfig({ cwd, env: {} }).warnings).toEqual([]);
    expect(resolveConfig({ cwd: workspace(), env: {} }).warnings).toEqual([]);
  });

  it("names the variable that put two entries in one namespace", () => {
    const cwd = workspace(
      es(
        esEntry("name: app-creds, vaultPath: app/db, namespace: dev"),
        esEntry("name: app-creds, vaultPath: other/db"),
      ),
    );
    expect(refusal(cwd, { DEV_BOOTSTRAP_NAMESPACE: "dev" }).message).toBe(
      "<ws>/dev-bootstrap.yaml:4:15: eso.externalSecrets.1.name: ExternalSecret dev/app-creds is defined twice: each run would apply both and its Secret would flip between their contents (see eso.externalSecrets.0.name, line 3:15; namespace from environment variable DEV_BOOTSTRAP_NAMESPACE)",
    );
  });

  it("warns when two databases share only the Vault fallback", () => {
    const cwd = workspace(
      dbs(
        "    - { name: app, vaultPath: shared/db }\n",
        "    - { name: other, vaultPath: shared/db }\n",
      ),
    );
    expect(resolveConfig({ cwd, env: {} }).warnings).toEqual([
      `${cwd}/dev-bootstrap.yaml:4:33: migrations.databases.1.vaultPath: databases app and other share the Vault fallback secret/shared/db: whenever ESO has not delivered their Secrets, both get the same credentials (see migrations.databases.0.vaultPath, line 3:31)`,
    ]);
  });
});

describe("control characters in a path are refused with where they came from", () => {
  const cases: Array<{
    name: string;
    yaml?: string;
    env?: Record<string, string>;
    message: string;
    hint: RegExp;
  }> = [
    {
      name: "a tab from a double-quoted backslash in sqlDir",
      yaml: 'migrations:\n  sqlDir: "db\\tsql"\n',
      message:
        "<ws>/dev-bootstrap.yaml:2:11: migrations.sqlDir: contains a control character (\\x09, character 3 of the value), which no path holds on purpose",
      hint: /double-quoted YAML string/,
    },
    {
      name: "a newline in stateDir",
      yaml: 'stateDir: ".dev\\nbootstrap"\n',
      message:
        "<ws>/dev-bootstrap.yaml:1:11: stateDir: contains a control character (\\x0a, character 5 of the value), which no path holds on purpose",
      hint: /double-quoted/,
    },
    {
      name: "an escape sequence in the fixtures dir",
      yaml: 'vault:\n  fixturesDir: "vault/\\e[2Jfixtures"\n',
      message:
        "<ws>/dev-bootstrap.yaml:2:16: vault.fixturesDir: contains a control character (\\x1b, character 7 of the value), which no path holds on purpose",
      hint: /double-quoted/,
    },
    {
      name: "a right-to-left override in a layer's helmfile",
      yaml: 'helm:\n  layers:\n    "42": { helmfile: "helmfile/\\u202elmay.42" }\n',
      message:
        "<ws>/dev-bootstrap.yaml:3:23: helm.layers.42.helmfile: contains a control character (\\u202e, character 10 of the value), which no path holds on purpose",
      hint: /double-quoted/,
    },
    {
      name: "a NUL in the CA certificate path",
      yaml: 'vault:\n  caCert: "ca\\0.pem"\n',
      message:
        "<ws>/dev-bootstrap.yaml:2:11: vault.caCert: contains a control character (\\x00, character 3 of the value), which no path holds on purpose",
      hint: /double-quoted/,
    },
    {
      name: "a newline in KUBECONFIG",
      env: { KUBECONFIG: "/home/dev/.kube/config\n" },
      message:
        "environment variable KUBECONFIG: kube.kubeconfig: contains a control character (\\x0a, character 23 of the value), which no path holds on purpose",
      hint: /retype the value/,
    },
    {
      name: "a carriage return in VAULT_TOKEN_FILE",
      env: { VAULT_TOKEN_FILE: "/run/token\r" },
      message:
        "environment variable VAULT_TOKEN_FILE: vault.tokenFile: contains a control character (\\x0d, character 11 of the value), which no path holds on purpose",
      hint: /retype the value/,
    },
  ];
  it.each(cases)("$name", ({ yaml, env, message, hint }) => {
    const r = refusal(workspace(yaml ?? "{}\n"), env ?? {});
    expect(r.message).toBe(message);
    expect(r.hint).toMatch(hint);
  });

  it("a header value Vault would never receive (node refuses it on every attempt) is refused without echoing it", () => {
    const cwd = workspace("{}\n");
    expect(refusal(cwd, { VAULT_NAMESPACE: "team\nadmin" }).message).toBe(
      "environment variable VAULT_NAMESPACE: vault.namespace: holds a character an HTTP header cannot carry (\\x0a)",
    );
    const token = refusal(cwd, { VAULT_TOKEN: "hvs.CANARYtoken\u0000" });
    expect(token.message).toBe(
      "environment variable VAULT_TOKEN: vault.token: holds a character an HTTP header cannot carry (\\x00)",
    );
    expect(token.hint).toMatch(/retype the value/);
    expect(refusal(workspace('vault:\n  namespace: "team\\u2028"\n')).message).toBe(
      "<ws>/dev-bootstrap.yaml:2:14: vault.namespace: holds a character an HTTP header cannot carry (\\u2028)",
    );
  });

  it("names the flag as it is typed", () => {
    expect(refusal(workspace("{}\n"), {}, { stateDir: "st\u0007ate" }).message).toBe(
      "flag --state-dir: stateDir: contains a control character (\\x07, character 3 of the value), which no path holds on purpose",
    );
  });
});

describe("run state reaching outside the workspace through a symbolic link", () => {
  const outside = () => mkdtempSync(join(tmpdir(), "cfg-outside-"));

  it("a stateDir whose directory is a link elsewhere", () => {
    const cwd = workspace("stateDir: state\n");
    const away = outside();
    symlinkSync(away, join(cwd, "state"));
    const r = refusal(cwd);
    expect(r.message).toBe(
      `<ws>/dev-bootstrap.yaml:1:11: stateDir: must stay inside the workspace (a symbolic link on the way leads to ${away})`,
    );
    expect(r.hint).toMatch(/replace the link by a directory, or set DEV_BOOTSTRAP_STATE_DIR/);
    expect(readdirSync(away)).toEqual([]);
  });

  it("a link at any component, dangling or relative with '..', the default stateDir and the journal", () => {
    const away = outside();
    // A dangling link: creating the state directory would create its target.
    const dangling = workspace("stateDir: run/state\n");
    symlinkSync(join(away, "not-yet"), join(dangling, "run"));
    expect(refusal(dangling).message).toBe(
      `<ws>/dev-bootstrap.yaml:1:11: stateDir: must stay inside the workspace (a symbolic link on the way leads to ${away}/not-yet/state)`,
    );
    // A relative link whose '..' climbs out from where it points.
    const relative = workspace("stateDir: a/b/state\n");
    mkdirSync(join(relative, "a"));
    symlinkSync("../..", join(relative, "a", "b"));
    expect(refusal(relative).message).toMatch(
      /^<ws>\/dev-bootstrap\.yaml:1:11: stateDir: must stay inside the workspace \(a symbolic link on the way leads to \/\S+\/state\)$/,
    );
    // The default, with no config file: named by its path.
    const bare = workspace();
    symlinkSync(away, join(bare, ".dev-bootstrap"));
    expect(refusal(bare).message).toBe(
      `<ws>/.dev-bootstrap: stateDir (default .dev-bootstrap): must stay inside the workspace (a symbolic link on the way leads to ${away})`,
    );
    // The journal file itself a link out of a real state directory.
    const journal = workspace("{}\n");
    mkdirSync(join(journal, ".dev-bootstrap"));
    symlinkSync(join(away, "j"), join(journal, ".dev-bootstrap", "journal.jsonl"));
    expect(refusal(journal).message).toBe(
      `<ws>/.dev-bootstrap/journal.jsonl: stateDir (default .dev-bootstrap): must stay inside the workspace (a symbolic link on the way leads to ${away}/j)`,
    );
    const named = workspace("log:\n  journal: logs/j.jsonl\n");
    symlinkSync(away, join(named, "logs"));
    expect(refusal(named).message).toBe(
      `<ws>/dev-bootstrap.yaml:2:12: log.journal: must stay inside the workspace (a symbolic link on the way leads to ${away}/j.jsonl)`,
    );
    // A loop is said as one.
    const loop = workspace("stateDir: l1\n");
    symlinkSync("l2", join(loop, "l1"));
    symlinkSync("l1", join(loop, "l2"));
    expect(refusal(loop).message).toBe(
      "<ws>/dev-bootstrap.yaml:1:11: stateDir: must stay inside the workspace (its symbolic links loop)",
    );
    expect(readdirSync(away)).toEqual([]);
  });

  it("links that stay inside, and a workspace that is itself reached through a link, are fine", () => {
    const cwd = workspace("stateDir: state\n");
    mkdirSync(join(cwd, "real-state"));
    symlinkSync("real-state", join(cwd, "state"));
    expect(resolveConfig({ cwd, env: {} }).warnings).toEqual([]);
    const alias = join(outside(), "ws");
    symlinkSync(cwd, alias);
    expect(resolveConfig({ cwd: alias, env: {} }).warnings).toEqual([]);
  });

  it("from the environment (this run's own choice) a link out is allowed and said", () => {
    const cwd = workspace("{}\n");
    const away = outside();
    symlinkSync(away, join(cwd, "st"));
    expect(resolveConfig({ cwd, env: { DEV_BOOTSTRAP_STATE_DIR: "st" } }).warnings).toEqual([
      `stateDir from environment variable DEV_BOOTSTRAP_STATE_DIR is outside the workspace (${away}): runs elsewhere will not see its lock or journal`,
    ]);
  });
});
