/**
 * A loopback stand-in for the parts of the Kubernetes API dev-bootstrap uses.
 * It is not Kubernetes: it serves discovery (/api, /apis, resource lists),
 * namespaces, Secrets and the External Secrets Operator's custom resources,
 * with resourceVersion, Status error bodies (404 NotFound, 409 AlreadyExists /
 * Conflict, 422 Invalid, 403 Forbidden) as the API conventions describe, and
 * server-side apply with field managers and conflicts. An optional ESO
 * reconciler (eso-reconciler.ts) materialises ExternalSecrets from Vault.
 *
 * References: kubernetes.io/docs/reference/using-api/api-concepts/,
 * …/using-api/server-side-apply/, the Secret API (immutable, key names, 1 MiB).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { KubeApi } from "./kube-api.js";
import { discovery } from "./kube-discovery.js";
import { HttpStatus, RESOURCES, statusBody, type Verb } from "./kube-resources.js";
import type { ServerTls } from "./tls.js";

export type { Obj } from "./kube-resources.js";

export interface KubeStandInOptions {
  /** Which ESO API version discovery serves: v1 (current), v1beta1 (old), or none (not installed). */
  esoVersion?: "v1" | "v1beta1" | "none";
  namespaces?: string[];
}

/** The HTTP side: authentication, discovery, routing a request to a verb, and answers. */
export class KubeStandIn extends KubeApi {
  readonly token = `standin-${randomBytes(12).toString("hex")}`;
  esoVersion: "v1" | "v1beta1" | "none";
  readonly requests: Array<{
    verb: string;
    path: string;
    code: number;
    fieldManager?: string | undefined;
  }> = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections accepted so far (a client that reuses connections opens few). */
  connections = 0;
  /** Set when serving TLS: the CA the kubeconfig tells clients to trust. */
  private caPem: string | undefined;
  url = "";

  constructor(options: KubeStandInOptions = {}) {
    super(options.namespaces ?? ["default", "kube-system"]);
    this.esoVersion = options.esoVersion ?? "v1";
  }

  kubeconfig(): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "  - name: standin",
      "    cluster:",
      `      server: ${this.url}`,
      // Over TLS, clients verify the stand-in against its own CA; over plain HTTP
      // (tests), @kubernetes/client-node needs this flag to accept http:// at all.
      this.caPem
        ? `      certificate-authority-data: ${Buffer.from(this.caPem).toString("base64")}`
        : "      insecure-skip-tls-verify: true",
      "users:",
      "  - name: standin",
      "    user:",
      `      token: ${this.token}`,
      "contexts:",
      "  - name: standin",
      "    context:",
      "      cluster: standin",
      "      user: standin",
      "      namespace: default",
      "current-context: standin",
      "",
    ].join("\n");
  }

  /** Serves on loopback; with `tls`, over HTTPS (what kubectl needs to send a bearer token). */
  async listen(port = 0, host = "127.0.0.1", tls?: ServerTls): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error) =>
        this.send(req, res, 500, statusBody(500, "InternalError", String(error))),
      );
    };
    this.caPem = tls?.ca;
    this.server = tls
      ? (createHttpsServer({ key: tls.key, cert: tls.cert }, handler) as unknown as Server)
      : createServer(handler);
    this.server.on(tls ? "secureConnection" : "connection", () => {
      this.connections++;
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.url = `${tls ? "https" : "http"}://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    code: number,
    body: unknown,
    verb = req.method ?? "",
    fieldManager?: string,
  ) {
    this.requests.push({ verb, path: req.url ?? "", code, fieldManager });
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  private servedVersions(): string[] {
    return this.esoVersion === "none" ? [] : [this.esoVersion];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://kube");
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(req, res, 401, statusBody(401, "Unauthorized", "Unauthorized"));
    }
    if (req.method === "GET") {
      const d = discovery(url.pathname, this.servedVersions());
      if (d) return this.send(req, res, 200, d, "discovery");
    }
    const m =
      /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(
        url.pathname,
      );
    // `/api/v1/namespaces/<name>` backtracks to plural "namespaces", name <name>.
    let group = "";
    let version = "v1";
    let namespace: string | undefined;
    let plural = "";
    let name: string | undefined;
    if (m) {
      group = m[1] ?? "";
      version = m[2] ?? "v1";
      namespace = m[3];
      plural = m[4]!;
      name = m[5];
    }
    if (!m || (group === "external-secrets.io" && !this.servedVersions().includes(version))) {
      return this.send(
        req,
        res,
        404,
        statusBody(404, "NotFound", "the server could not find the requested resource"),
      );
    }
    const type = RESOURCES.find((r) => r.group === group && r.plural === plural);
    if (!type)
      return this.send(
        req,
        res,
        404,
        statusBody(404, "NotFound", "the server could not find the requested resource"),
      );
    const verb: Verb =
      req.method === "GET"
        ? name
          ? "get"
          : "list"
        : req.method === "POST"
          ? "create"
          : req.method === "PUT"
            ? "update"
            : req.method === "PATCH"
              ? "patch"
              : "delete";
    const fieldManager = url.searchParams.get("fieldManager") ?? undefined;
    try {
      const body = await this.readBody(req);
      const result = this.serve(
        type,
        version,
        verb,
        namespace,
        name,
        body,
        url.searchParams,
        req.headers["content-type"] ?? "",
      );
      this.send(req, res, result.code, result.body, verb, fieldManager);
    } catch (error) {
      if (error instanceof HttpStatus) {
        return this.send(
          req,
          res,
          error.code,
          statusBody(error.code, error.reason, error.message, error.details),
          verb,
          fieldManager,
        );
      }
      throw error;
    }
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!chunks.length) return undefined;
    const text = Buffer.concat(chunks).toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpStatus(400, "BadRequest", "the body of the request was in an unknown format");
    }
  }
}
