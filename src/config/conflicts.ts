/**
 * Config that would make runs fight themselves: two entries that each look valid
 * but name one object, so every run writes it twice with different contents (the
 * Secret flips, ESO refuses the second owner, Flyway runs two migration sets on one
 * database). Pure: finds the pairs; the resolver says where each entry stands.
 */
import type { Config } from "./schema.js";

export type ConfigKeyPath = Array<string | number>;

export interface Conflict {
  /** The entry reported: the later one, where the user adds the copy. */
  path: ConfigKeyPath;
  /** The entry it collides with, named in the message. */
  other: ConfigKeyPath;
  /** What collides and what would happen, without positions. */
  what: string;
  hint: string;
  /** Errors stop the run; a warning is printed and the run goes on. */
  severity: "error" | "warning";
  /** True when config.namespace decided that both stand in one namespace. */
  usesNamespace: boolean;
}

const sourceSecretOf = (db: { name: string; sourceSecret?: string | undefined }) =>
  db.sourceSecret ?? `${db.name}-db-credentials`;

export function findConflicts(config: Config): Conflict[] {
  const out: Conflict[] = [];
  const es = config.eso.externalSecrets.map((e, i) => ({
    i,
    name: e.name,
    ns: e.namespace ?? config.namespace,
    defaultNs: e.namespace === undefined,
    target: e.target ?? e.name,
    targetKey: e.target === undefined ? "name" : "target",
    vaultPath: e.vaultPath,
  }));
  const esPath = (i: number, key: string): ConfigKeyPath => ["eso", "externalSecrets", i, key];

  // One ExternalSecret object defined twice: kubectl-style apply of both, last one wins.
  const byName = new Map<string, (typeof es)[number]>();
  const sameObject = new Set<number>();
  for (const e of es) {
    const first = byName.get(`${e.ns}/${e.name}`);
    if (!first) {
      byName.set(`${e.ns}/${e.name}`, e);
      continue;
    }
    sameObject.add(e.i);
    out.push({
      path: esPath(e.i, "name"),
      other: esPath(first.i, "name"),
      what: `ExternalSecret ${e.ns}/${e.name} is defined twice: each run would apply both and its Secret would flip between their contents`,
      hint: "give each ExternalSecret its own name, or remove the copy",
      severity: "error",
      usesNamespace: e.defaultNs || first.defaultNs,
    });
  }
  // Two ExternalSecrets writing one Secret: ESO lets only one own it ("target is owned by
  // another ExternalSecret"), so the other never becomes Ready and the run times out.
  const byTarget = new Map<string, (typeof es)[number]>();
  for (const e of es) {
    if (sameObject.has(e.i)) continue;
    const first = byTarget.get(`${e.ns}/${e.target}`);
    if (!first) {
      byTarget.set(`${e.ns}/${e.target}`, e);
      continue;
    }
    out.push({
      path: esPath(e.i, e.targetKey),
      other: esPath(first.i, first.targetKey),
      what: `ExternalSecrets ${first.name} and ${e.name} both write Secret ${e.ns}/${e.target}: ESO lets one own it and the other never becomes Ready`,
      hint: "give each ExternalSecret its own target Secret (eso.externalSecrets[].target)",
      severity: "error",
      usesNamespace: e.defaultNs || first.defaultNs,
    });
  }
  const tokenSecret = config.eso.tokenSecret;
  const tokenKey = `${tokenSecret.namespace}/${tokenSecret.name}`;
  const tokenWriter = byTarget.get(tokenKey);
  if (tokenWriter) {
    out.push({
      path: esPath(tokenWriter.i, tokenWriter.targetKey),
      other: ["eso", "tokenSecret", "name"],
      what: `ExternalSecret ${tokenWriter.name} writes Secret ${tokenKey}, the Vault token the ClusterSecretStore reads: ESO would overwrite it and lose its own access`,
      hint: "give the ExternalSecret another target, or eso.tokenSecret another name",
      severity: "error",
      usesNamespace: tokenWriter.defaultNs,
    });
  }

  // The migrations secret is ours alone: ESO writing it too, or it being the Vault token
  // Secret or a database's source, means two writers taking turns.
  const migrations = config.migrations.secretName;
  const migrationsKey = `${config.namespace}/${migrations}`;
  const migrationsWriter = byTarget.get(migrationsKey);
  if (migrationsWriter) {
    out.push({
      path: esPath(migrationsWriter.i, migrationsWriter.targetKey),
      other: ["migrations", "secretName"],
      what: `ExternalSecret ${migrationsWriter.name} writes Secret ${migrationsKey}, the migrations secret bootstrap-db-migrations-secret writes: the two would overwrite each other`,
      hint: "give the ExternalSecret another target, or migrations.secretName another name",
      severity: "error",
      usesNamespace: true,
    });
  }
  if (migrationsKey === tokenKey) {
    out.push({
      path: ["migrations", "secretName"],
      other: ["eso", "tokenSecret", "name"],
      what: `the migrations secret ${migrationsKey} is also the Vault token Secret: writing one replaces the other`,
      hint: "give migrations.secretName and eso.tokenSecret different names",
      severity: "error",
      usesNamespace: true,
    });
  }

  const dbs = config.migrations.databases.map((d, i) => ({
    i,
    name: d.name,
    source: sourceSecretOf(d),
    sourceKey: d.sourceSecret === undefined ? "name" : "sourceSecret",
    vaultPath: d.vaultPath,
    // The Vault path ESO fills the source Secret from, when one of ours does.
    esoPath: byTarget.get(`${config.namespace}/${sourceSecretOf(d)}`)?.vaultPath,
  }));
  const dbPath = (i: number, key: string): ConfigKeyPath => ["migrations", "databases", i, key];
  const seenName = new Map<string, number>();
  const seenSource = new Map<string, number>();
  const seenEsoPath = new Map<string, number>();
  const seenFallback = new Map<string, number>();
  for (const d of dbs) {
    const sameName = seenName.get(d.name);
    const sameSource = seenSource.get(d.source);
    const sameEsoPath = d.esoPath === undefined ? undefined : seenEsoPath.get(d.esoPath);
    const sameFallback = seenFallback.get(d.vaultPath);
    seenName.set(d.name, seenName.get(d.name) ?? d.i);
    seenSource.set(d.source, seenSource.get(d.source) ?? d.i);
    if (d.esoPath !== undefined) seenEsoPath.set(d.esoPath, seenEsoPath.get(d.esoPath) ?? d.i);
    seenFallback.set(d.vaultPath, seenFallback.get(d.vaultPath) ?? d.i);
    if (d.source === migrations) {
      out.push({
        path: dbPath(d.i, d.sourceKey),
        other: ["migrations", "secretName"],
        what: `database ${d.name} reads its credentials from Secret ${migrationsKey}, the migrations secret written from them`,
        hint: "point sourceSecret at the Secret ESO delivers for this database",
        severity: "error",
        usesNamespace: false,
      });
    }
    if (sameName !== undefined) {
      out.push({
        path: dbPath(d.i, "name"),
        other: dbPath(sameName, "name"),
        what: `database ${d.name} is listed twice: the migrations secret holds one entry per database and Flyway would run twice`,
        hint: "remove the copy, or give the second database its own name",
        severity: "error",
        usesNamespace: false,
      });
      continue;
    }
    const first = dbs[sameSource ?? sameEsoPath ?? -1];
    if (first) {
      const via =
        sameSource !== undefined
          ? `Secret ${config.namespace}/${d.source}`
          : `Vault ${config.vault.mount}/${d.esoPath} (through their ExternalSecrets)`;
      out.push({
        path: dbPath(d.i, sameSource !== undefined ? d.sourceKey : "name"),
        other: dbPath(first.i, sameSource !== undefined ? first.sourceKey : "name"),
        what: `databases ${first.name} and ${d.name} both take their credentials from ${via}: one database under two names, and Flyway would run both migration sets on it`,
        hint: "give each database its own source Secret and Vault path, or remove one",
        severity: "error",
        usesNamespace: false,
      });
      continue;
    }
    // Only the fallback is shared: right while ESO delivers, the same database once it does not.
    if (sameFallback !== undefined) {
      out.push({
        path: dbPath(d.i, "vaultPath"),
        other: dbPath(sameFallback, "vaultPath"),
        what: `databases ${dbs[sameFallback]!.name} and ${d.name} share the Vault fallback ${config.vault.mount}/${d.vaultPath}: whenever ESO has not delivered their Secrets, both get the same credentials`,
        hint: "give each database the Vault path its ExternalSecret reads",
        severity: "warning",
        usesNamespace: false,
      });
    }
  }
  return out;
}
