/**
 * The Vault client's settings, in one place, as the vault CLI takes them from the same
 * shell (its documented environment, `api.Config.ReadEnvironment`), so that a shell
 * where `vault` works is one where dev-bootstrap works:
 *
 * - trust: VAULT_CACERT (a PEM file), else VAULT_CACERT_BYTES (PEM text), else
 *   VAULT_CAPATH (a directory of PEM files), else the system's CAs; each is read and
 *   checked here, before any request, so a file that holds no certificate is a config
 *   error naming the variable, not a TLS failure later;
 * - VAULT_CLIENT_CERT with VAULT_CLIENT_KEY (both or neither; the key must match);
 * - VAULT_TLS_SERVER_NAME: the name Vault's certificate is checked against, and SNI;
 * - VAULT_SKIP_VERIFY, VAULT_CLIENT_TIMEOUT, VAULT_MAX_RETRIES, VAULT_NAMESPACE (parsed
 *   by the schema as the CLI parses them);
 * - the proxy: VAULT_PROXY_ADDR (else VAULT_HTTP_PROXY) for every request when set,
 *   as the CLI does; otherwise HTTPS_PROXY / HTTP_PROXY / NO_PROXY by Go's rules
 *   (core/proxy-env.ts).
 *
 * Errors name the variable and the file, never a file's content.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../core/errors.js";
import { parseProxy, proxyFor } from "../core/proxy-env.js";
import type { Config } from "./schema.js";

interface VaultTlsSettings {
  /** PEM certificates to trust instead of the system's; undefined: the system's. */
  ca?: string[] | undefined;
  /** Client certificate and key (PEM). */
  cert?: string | undefined;
  key?: string | undefined;
  /** The name Vault's certificate must carry (and the SNI sent). */
  servername?: string | undefined;
  rejectUnauthorized: boolean;
}

interface VaultProxySettings {
  url: URL;
  /** The variable it came from, for messages. */
  from: string;
}

interface VaultClientSettings {
  addr: string;
  namespace?: string | undefined;
  tls: VaultTlsSettings;
  timeoutMs: number;
  /** VAULT_MAX_RETRIES; undefined keeps dev-bootstrap's own bounds. */
  maxRetries?: number | undefined;
  proxy?: VaultProxySettings | undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in PEM text that parse; Go's AppendCertsFromPEM skips the others too. */
function certificatesIn(text: string): string[] {
  const found: string[] = [];
  for (const block of text.match(PEM_CERT) ?? []) {
    try {
      new X509Certificate(block);
      found.push(block);
    } catch {}
  }
  return found;
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "error";

function readText(file: string, where: string, hint: string): string {
  try {
    if (!statSync(file).isFile()) throw Object.assign(new Error(), { code: "not a file" });
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${where}: cannot read ${file} (${code(error)})`, hint);
  }
}

const CA_HINT = "point VAULT_CACERT at the PEM file of the CA that signed Vault's certificate";

/** The CA certificates to trust, as rootcerts.LoadCACerts picks them (file, bytes, directory). */
function trustedCas(v: Config["vault"], path: (p: string) => string): string[] | undefined {
  if (v.caCert) {
    const file = path(v.caCert);
    const cas = certificatesIn(readText(file, "vault.caCert / VAULT_CACERT", CA_HINT));
    if (!cas.length)
      throw new ConfigError(
        `vault.caCert / VAULT_CACERT: ${file} holds no PEM certificate`,
        `${CA_HINT} (text starting '-----BEGIN CERTIFICATE-----'; convert DER with 'openssl x509 -inform der -in ca.der -out ca.pem')`,
      );
    return cas;
  }
  if (v.caCertBytes) {
    const cas = certificatesIn(v.caCertBytes);
    if (!cas.length)
      throw new ConfigError(
        "vault.caCertBytes / VAULT_CACERT_BYTES holds no PEM certificate",
        "set it to the PEM text of the CA that signed Vault's certificate, or use VAULT_CACERT with a file",
      );
    return cas;
  }
  if (v.caPath) {
    const dir = path(v.caPath);
    const hint = "point VAULT_CAPATH at a directory of PEM CA certificates (and nothing else)";
    const cas: string[] = [];
    const walk = (at: string) => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = readdirSync(at, { withFileTypes: true });
      } catch (error) {
        throw new ConfigError(
          `vault.caPath / VAULT_CAPATH: cannot read ${at} (${code(error)})`,
          hint,
        );
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const file = join(at, entry.name);
        if (entry.isDirectory()) walk(file);
        else {
          // go-rootcerts: every file in the directory must hold a certificate.
          const found = certificatesIn(readText(file, "vault.caPath / VAULT_CAPATH", hint));
          if (!found.length)
            throw new ConfigError(
              `vault.caPath / VAULT_CAPATH: ${file} holds no PEM certificate`,
              hint,
            );
          cas.push(...found);
        }
      }
    };
    walk(dir);
    if (!cas.length)
      throw new ConfigError(`vault.caPath / VAULT_CAPATH: ${dir} holds no certificate`, hint);
    return cas;
  }
  return undefined;
}

/** The client certificate and key, checked as Go's tls.LoadX509KeyPair checks them. */
function clientPair(
  v: Config["vault"],
  path: (p: string) => string,
): { cert: string; key: string } | undefined {
  if (!v.clientCert && !v.clientKey) return undefined;
  const hint =
    "set both VAULT_CLIENT_CERT and VAULT_CLIENT_KEY (PEM files of the client certificate and its private key), or neither";
  if (!v.clientCert || !v.clientKey)
    throw new ConfigError(
      `${v.clientCert ? "vault.clientCert / VAULT_CLIENT_CERT is set without vault.clientKey / VAULT_CLIENT_KEY" : "vault.clientKey / VAULT_CLIENT_KEY is set without vault.clientCert / VAULT_CLIENT_CERT"}`,
      hint,
    );
  const certFile = path(v.clientCert);
  const keyFile = path(v.clientKey);
  const cert = readText(certFile, "vault.clientCert / VAULT_CLIENT_CERT", hint);
  const key = readText(keyFile, "vault.clientKey / VAULT_CLIENT_KEY", hint);
  const certs = certificatesIn(cert);
  if (!certs.length)
    throw new ConfigError(
      `vault.clientCert / VAULT_CLIENT_CERT: ${certFile} holds no PEM certificate`,
      hint,
    );
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    // Never the reason's text: it may quote the key.
    throw new ConfigError(
      `vault.clientKey / VAULT_CLIENT_KEY: ${keyFile} holds no private key that can be read without a passphrase`,
      "point it at the PEM private key of the client certificate (an encrypted key: 'openssl pkey -in key.pem -out plain.pem')",
    );
  }
  if (!new X509Certificate(certs[0]!).checkPrivateKey(keyObject))
    throw new ConfigError(
      `vault.clientKey / VAULT_CLIENT_KEY: ${keyFile} is not the key of the certificate in ${certFile}`,
      hint,
    );
  return { cert, key };
}

/** The proxy Vault's requests go through, or undefined: direct. */
export function vaultProxy(addr: string, env: NodeJS.ProcessEnv): VaultProxySettings | undefined {
  const own = env.VAULT_PROXY_ADDR
    ? "VAULT_PROXY_ADDR"
    : env.VAULT_HTTP_PROXY
      ? "VAULT_HTTP_PROXY"
      : "";
  let choice: VaultProxySettings | undefined;
  try {
    choice = own
      ? { url: parseProxy(env[own]!, own), from: own }
      : (() => {
          const c = proxyFor(new URL(addr), env);
          return c && { url: c.proxy, from: c.from };
        })();
  } catch (error) {
    // The message names the variable, never the value (a proxy URL may hold a password).
    throw new ConfigError(
      (error as Error).message,
      "set it to the proxy's URL, e.g. http://proxy.example:3128, or unset it",
    );
  }
  if (choice && choice.url.protocol !== "http:" && choice.url.protocol !== "https:")
    throw new ConfigError(
      `${choice.from}: a ${choice.url.protocol.replace(":", "")} proxy is not supported for Vault's requests`,
      "use an http:// or https:// proxy, or add Vault's host to NO_PROXY",
    );
  return choice;
}

/** Every setting of the Vault client, read and checked: throws ConfigError before any request. */
export function vaultClientSettings(
  config: Config,
  path: (p: string) => string,
  env: NodeJS.ProcessEnv,
): VaultClientSettings {
  const v = config.vault;
  const pair = clientPair(v, path);
  return {
    addr: v.addr,
    namespace: v.namespace,
    tls: {
      ca: trustedCas(v, path),
      ...(pair ?? {}),
      servername: v.tlsServerName,
      rejectUnauthorized: v.skipVerify !== true,
    },
    timeoutMs: v.clientTimeout,
    maxRetries: v.maxRetries,
    proxy: vaultProxy(v.addr, env),
  };
}
