/**
 * A throwaway certificate authority and a server certificate for the
 * Kubernetes API stand-in, so clients that insist on TLS before sending a
 * bearer token (kubectl) can talk to it. Node's crypto makes keys but cannot
 * issue X.509 certificates, so this runs the openssl CLI: on Debian and Ubuntu
 * it comes with the PostgreSQL server the sandbox already needs
 * (postgresql-common → ssl-cert → openssl), it is on macOS too, and it saves a
 * dependency that would reimplement X.509 in JavaScript. Keys are EC P-256
 * (fast to generate), valid for one day, and written 0600 into the sandbox's
 * own directory, which is removed when the sandbox stops.
 */
import { execFile as execFileCb } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { StepError } from "../core/errors.js";

const execFile = promisify(execFileCb);

export const OPENSSL_HINT =
  "install openssl (Debian/Ubuntu: sudo apt-get install -y openssl; it comes with postgresql)";

/** Whether the openssl CLI is on PATH. */
export function opensslOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, "openssl")));
}

export interface ServerTls {
  /** PEM of the CA that signed the server certificate (goes into the kubeconfig). */
  ca: string;
  cert: string;
  key: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFile("openssl", args, { cwd });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new StepError("openssl not found on PATH (the sandbox's TLS needs it)", OPENSSL_HINT);
    throw new StepError(
      `openssl ${args[0]} failed: ${(e.stderr || e.message).trim().split("\n").slice(-1)[0]}`,
      OPENSSL_HINT,
    );
  }
}

/** Creates a CA and a certificate for `host` (an IP address) and localhost, under `dir`. */
export async function createServerTls(dir: string, host: string): Promise<ServerTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "1",
      "-subj",
      "/CN=dev-bootstrap sandbox CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  await openssl(
    ["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=sandbox"],
    dir,
  );
  // Clients check the address against the subjectAltName, never the CN.
  writeFileSync(
    join(dir, "server.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=IP:${host},DNS:localhost`,
      "",
    ].join("\n"),
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "1",
      "-extfile",
      "server.ext",
    ],
    dir,
  );
  return {
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    cert: readFileSync(join(dir, "server.crt"), "utf8"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
  };
}
