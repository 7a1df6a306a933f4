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
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { ServerTls } from "./tls.js";

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  [key: string]: unknown;
};

interface ResourceType {
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const RESOURCES: ResourceType[] = [
  { group: "", plural: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", plural: "secrets", kind: "Secret", namespaced: true },
  // Never written here; listed (empty) because `kubectl describe` lists an object's events.
  { group: "", plural: "events", kind: "Event", namespaced: true },
  {
    group: "external-secrets.io",
    plural: "externalsecrets",
    kind: "ExternalSecret",
    namespaced: true,
  },
  {
    group: "external-secrets.io",
    plural: "clustersecretstores",
    kind: "ClusterSecretStore",
    namespaced: false,
  },
  { group: "external-secrets.io", plural: "secretstores", kind: "SecretStore", namespaced: true },
];

export interface DenyRule {
  verb: string;
  resource: string;
  namespace?: string;
}

/** A one-shot injected answer, matched by verb and resource (and name). */
export interface InjectedFailure {
  verb: string;
  resource: string;
  name?: string;
  code: number;
  reason: string;
  message: string;
  times: number;
}

type Verb = "get" | "list" | "create" | "update" | "patch" | "delete";

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const SECRET_MAX_BYTES = 1024 * 1024;

function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

class HttpStatus extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Leaf fields of an object as SSA tracks them. Keys are JSON-encoded segment
 * lists, since label keys like "app.kubernetes.io/name" contain dots.
 */
function leafFields(value: unknown, prefix: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (prefix.length === 0 && (k === "apiVersion" || k === "kind" || k === "status")) continue;
      if (
        prefix.length === 1 &&
        prefix[0] === "metadata" &&
        [
          "name",
          "namespace",
          "resourceVersion",
          "uid",
          "creationTimestamp",
          "managedFields",
          "generation",
        ].includes(k)
      )
        continue;
      for (const [p, s] of leafFields(v, [...prefix, k])) out.set(p, s);
    }
    return out;
  }
  out.set(JSON.stringify(prefix), JSON.stringify(value));
  return out;
}

const segments = (field: string) => JSON.parse(field) as string[];
/** How the API server prints a field in conflict messages: `.spec.provider.vault.server`. */
const displayField = (field: string) => `.${segments(field).join(".")}`;

function getPath(obj: unknown, field: string): unknown {
  let node = obj as Record<string, unknown> | undefined;
  for (const k of segments(field)) {
    if (!node || typeof node !== "object") return undefined;
    node = node[k] as Record<string, unknown> | undefined;
  }
  return node;
}

function setPath(obj: Record<string, unknown>, field: string, value: unknown): void {
  const keys = segments(field);
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    if (!node[k] || typeof node[k] !== "object" || Array.isArray(node[k])) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deletePath(obj: Record<string, unknown>, field: string): void {
  const keys = segments(field);
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    node = node[k] as Record<string, unknown>;
    if (!node || typeof node !== "object") return;
  }
  delete node[keys[keys.length - 1]!];
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = (
    target && typeof target === "object" && !Array.isArray(target) ? clone(target) : {}
  ) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface KubeStandInOptions {
  /** Which ESO API version discovery serves: v1 (current), v1beta1 (old), or none (not installed). */
  esoVersion?: "v1" | "v1beta1" | "none";
  namespaces?: string[];
}

export class KubeStandIn {
  readonly token = `standin-${randomBytes(12).toString("hex")}`;
  private readonly store = new Map<string, Obj>();
  /** field path → managers, per object key */
  private readonly owners = new Map<string, Map<string, Set<string>>>();
  private rv = 1000;
  esoVersion: "v1" | "v1beta1" | "none";
  deny: DenyRule[] = [];
  failures: InjectedFailure[] = [];
  readonly requests: Array<{
    verb: string;
    path: string;
    code: number;
    fieldManager?: string | undefined;
  }> = [];
  /** Called after any write so a controller (the ESO reconciler) can react. */
  onChange: ((obj: Obj) => void) | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Set when serving TLS: the CA the kubeconfig tells clients to trust. */
  private caPem: string | undefined;
  url = "";

  constructor(options: KubeStandInOptions = {}) {
    this.esoVersion = options.esoVersion ?? "v1";
    for (const ns of options.namespaces ?? ["default", "kube-system"]) this.createNamespace(ns);
  }

  createNamespace(name: string): void {
    this.put({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, "standin", "Update");
  }

  private key(group: string, plural: string, ns: string | undefined, name: string) {
    return `${group}/${plural}/${ns ?? ""}/${name}`;
  }

  private typeOf(kind: string): ResourceType {
    const t = RESOURCES.find((r) => r.kind === kind);
    if (!t) throw new Error(`unknown kind ${kind}`);
    return t;
  }

  /** Reads an object as stored (any served version). */
  get(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const t = this.typeOf(kind);
    const o = this.store.get(
      this.key(t.group, t.plural, t.namespaced ? namespace : undefined, name),
    );
    return o ? clone(o) : undefined;
  }

  list(kind: string, namespace?: string): Obj[] {
    const t = this.typeOf(kind);
    const prefix = `${t.group}/${t.plural}/`;
    return [...this.store.entries()]
      .filter(
        ([k, o]) =>
          k.startsWith(prefix) && (namespace === undefined || o.metadata.namespace === namespace),
      )
      .map(([, o]) => clone(o));
  }

  /** Secret data decoded to strings. */
  secretData(namespace: string, name: string): Record<string, string> | undefined {
    const s = this.get("Secret", namespace, name);
    if (!s) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((s.data as Record<string, string>) ?? {}))
      out[k] = Buffer.from(v, "base64").toString("utf8");
    return out;
  }

  /** Writes an object directly, as a controller or another client would. */
  put(obj: Obj, manager: string, operation: "Apply" | "Update" = "Update"): Obj {
    const t = this.typeOf(obj.kind);
    const key = this.key(
      t.group,
      t.plural,
      t.namespaced ? obj.metadata.namespace : undefined,
      obj.metadata.name,
    );
    const existing = this.store.get(key);
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid = (existing?.metadata.uid as string | undefined) ?? randomUUID();
    stored.metadata.creationTimestamp =
      (existing?.metadata.creationTimestamp as string | undefined) ?? new Date().toISOString();
    if (t.plural === "secrets" && stored.stringData) {
      const data = { ...((stored.data as Record<string, string>) ?? {}) };
      for (const [k, v] of Object.entries(stored.stringData as Record<string, string>))
        data[k] = Buffer.from(v).toString("base64");
      stored.data = data;
      delete stored.stringData;
    }
    const owners = this.owners.get(key) ?? new Map<string, Set<string>>();
    if (operation === "Update")
      for (const path of leafFields(stored).keys()) owners.set(path, new Set([manager]));
    this.owners.set(key, owners);
    const managers = new Set<string>();
    for (const set of owners.values()) for (const m of set) managers.add(m);
    stored.metadata.managedFields = [...managers].map((m) => ({
      manager: m,
      operation: m === manager ? operation : "Update",
      apiVersion: obj.apiVersion,
    }));
    this.store.set(key, stored);
    queueMicrotask(() => this.onChange?.(clone(stored)));
    return clone(stored);
  }

  /** Writes status, as a controller does through the status subresource. */
  setStatus(kind: string, namespace: string | undefined, name: string, status: unknown): void {
    const t = this.typeOf(kind);
    const key = this.key(t.group, t.plural, t.namespaced ? namespace : undefined, name);
    const o = this.store.get(key);
    if (!o) return;
    o.status = clone(status);
    o.metadata.resourceVersion = String(++this.rv);
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

  private discovery(path: string): unknown | undefined {
    if (path === "/api")
      return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
    if (path === "/apis") {
      const groups = [];
      if (this.esoVersion !== "none") {
        const versions = this.servedVersions().map((v) => ({
          groupVersion: `external-secrets.io/${v}`,
          version: v,
        }));
        groups.push({ name: "external-secrets.io", versions, preferredVersion: versions[0] });
      }
      return { kind: "APIGroupList", apiVersion: "v1", groups };
    }
    const list = (groupVersion: string, group: string) => ({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion,
      resources: RESOURCES.filter((r) => r.group === group).map((r) => ({
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      })),
    });
    if (path === "/api/v1") return list("v1", "");
    const m = /^\/apis\/external-secrets\.io(?:\/([^/]+))?$/.exec(path);
    if (m) {
      if (!m[1]) {
        if (this.esoVersion === "none") return undefined;
        const versions = this.servedVersions().map((v) => ({
          groupVersion: `external-secrets.io/${v}`,
          version: v,
        }));
        return {
          kind: "APIGroup",
          apiVersion: "v1",
          name: "external-secrets.io",
          versions,
          preferredVersion: versions[0],
        };
      }
      if (this.servedVersions().includes(m[1]))
        return list(`external-secrets.io/${m[1]}`, "external-secrets.io");
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://kube");
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(req, res, 401, statusBody(401, "Unauthorized", "Unauthorized"));
    }
    if (req.method === "GET") {
      const d = this.discovery(url.pathname);
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

  private label(type: ResourceType) {
    return type.group ? `${type.plural}.${type.group}` : type.plural;
  }

  private authorize(type: ResourceType, verb: Verb, namespace: string | undefined) {
    const rule = this.deny.find(
      (d) =>
        d.verb === verb &&
        d.resource === type.plural &&
        (d.namespace === undefined || d.namespace === namespace),
    );
    if (rule) {
      const where = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
      throw new HttpStatus(
        403,
        "Forbidden",
        `${this.label(type)}${verb === "list" || verb === "create" ? "" : ` "${"<name>"}"`} is forbidden: User "system:serviceaccount:dev:bootstrap" cannot ${verb} resource "${type.plural}" in API group "${type.group}"${where}`,
        { kind: type.plural },
      );
    }
    const injected = this.failures.find(
      (f) => f.verb === verb && f.resource === type.plural && f.times > 0,
    );
    if (injected) {
      injected.times--;
      throw new HttpStatus(injected.code, injected.reason, injected.message);
    }
  }

  private validate(type: ResourceType, obj: Obj): void {
    if (type.plural !== "secrets") return;
    const data = (obj.data ?? {}) as Record<string, unknown>;
    let size = 0;
    for (const [k, v] of Object.entries(data)) {
      if (!SECRET_KEY.test(k)) {
        throw new HttpStatus(
          422,
          "Invalid",
          `Secret "${obj.metadata.name}" is invalid: data[${k}]: Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
        );
      }
      if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
        throw new HttpStatus(
          400,
          "BadRequest",
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`,
        );
      }
      size += Buffer.from(v, "base64").length;
    }
    if (size > SECRET_MAX_BYTES) {
      throw new HttpStatus(
        422,
        "Invalid",
        `Secret "${obj.metadata.name}" is invalid: data: Too long: must have at most 1048576 bytes`,
      );
    }
  }

  private serve(
    type: ResourceType,
    version: string,
    verb: Verb,
    namespace: string | undefined,
    name: string | undefined,
    body: unknown,
    query: URLSearchParams,
    contentType: string,
  ): { code: number; body: unknown } {
    this.authorize(type, verb, namespace);
    const apiVersion = type.group ? `${type.group}/${version}` : "v1";
    const key = (n: string) =>
      this.key(type.group, type.plural, type.namespaced ? namespace : undefined, n);
    const notFound = (n: string) =>
      new HttpStatus(404, "NotFound", `${this.label(type)} "${n}" not found`, {
        name: n,
        kind: type.plural,
      });
    const withVersion = (o: Obj) => ({ ...o, apiVersion });
    if (
      type.namespaced &&
      namespace &&
      !this.store.has(this.key("", "namespaces", undefined, namespace)) &&
      verb !== "get" &&
      verb !== "list"
    ) {
      throw new HttpStatus(404, "NotFound", `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: "namespaces",
      });
    }
    if (verb === "list") {
      const items = [...this.store.entries()]
        .filter(
          ([k, o]) =>
            k.startsWith(`${type.group}/${type.plural}/`) &&
            (!type.namespaced || !namespace || o.metadata.namespace === namespace),
        )
        .map(([, o]) => withVersion(clone(o)));
      return {
        code: 200,
        body: {
          kind: `${type.kind}List`,
          apiVersion,
          metadata: { resourceVersion: String(this.rv) },
          items,
        },
      };
    }
    if (verb === "get") {
      const o = this.store.get(key(name!));
      if (!o) throw notFound(name!);
      return { code: 200, body: withVersion(clone(o)) };
    }
    if (verb === "delete") {
      const o = this.store.get(key(name!));
      if (!o) throw notFound(name!);
      this.store.delete(key(name!));
      this.owners.delete(key(name!));
      return {
        code: 200,
        body: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, kind: type.plural },
        },
      };
    }
    const obj = body as Obj | undefined;
    if (!obj || typeof obj !== "object" || !obj.metadata)
      throw new HttpStatus(400, "BadRequest", "the body of the request was in an unknown format");
    if (type.namespaced) obj.metadata.namespace = namespace;
    const manager = query.get("fieldManager") ?? "unknown";
    if (verb === "create") {
      const n = obj.metadata.name;
      if (this.store.has(key(n))) {
        throw new HttpStatus(409, "AlreadyExists", `${this.label(type)} "${n}" already exists`, {
          name: n,
          kind: type.plural,
        });
      }
      this.validate(type, obj);
      return {
        code: 201,
        body: withVersion(this.put({ ...obj, apiVersion, kind: type.kind }, manager)),
      };
    }
    const existing = this.store.get(key(name!));
    if (verb === "update") {
      if (!existing) throw notFound(name!);
      const rv = obj.metadata.resourceVersion;
      if (rv && rv !== existing.metadata.resourceVersion) {
        throw new HttpStatus(
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${this.label(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, kind: type.plural },
        );
      }
      this.checkImmutable(type, existing, obj);
      this.validate(type, obj);
      return {
        code: 200,
        body: withVersion(this.put({ ...obj, apiVersion, kind: type.kind }, manager)),
      };
    }
    // PATCH
    if (contentType.startsWith("application/apply-patch")) {
      if (!query.get("fieldManager")) {
        throw new HttpStatus(
          422,
          "Invalid",
          `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
        );
      }
      return this.apply(
        type,
        apiVersion,
        key(name!),
        existing,
        obj,
        manager,
        query.get("force") === "true",
      );
    }
    if (!existing) throw notFound(name!);
    const merged = mergePatch(existing, obj) as Obj;
    this.checkImmutable(type, existing, merged);
    this.validate(type, merged);
    return { code: 200, body: withVersion(this.put(merged, manager)) };
  }

  private checkImmutable(type: ResourceType, existing: Obj, next: Obj) {
    if (type.plural !== "secrets" || existing.immutable !== true) return;
    if (
      JSON.stringify(existing.data ?? {}) !== JSON.stringify(next.data ?? {}) ||
      next.immutable === false
    ) {
      throw new HttpStatus(
        422,
        "Invalid",
        `Secret "${existing.metadata.name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`,
        {
          name: existing.metadata.name,
          kind: "secrets",
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: field is immutable when `immutable` is set",
              field: "data",
            },
          ],
        },
      );
    }
  }

  private apply(
    type: ResourceType,
    apiVersion: string,
    key: string,
    existing: Obj | undefined,
    applied: Obj,
    manager: string,
    force: boolean,
  ) {
    const owners = this.owners.get(key) ?? new Map<string, Set<string>>();
    const fields = leafFields(applied);
    const current =
      existing ??
      ({
        apiVersion,
        kind: type.kind,
        metadata: { name: applied.metadata.name, namespace: applied.metadata.namespace },
      } as Obj);
    const conflicts: Array<{ field: string; manager: string }> = [];
    for (const [path, value] of fields) {
      const others = [...(owners.get(path) ?? [])].filter((m) => m !== manager);
      if (others.length && JSON.stringify(getPath(current, path)) !== value) {
        for (const m of others) conflicts.push({ field: path, manager: m });
      }
    }
    if (conflicts.length && !force) {
      const list = conflicts.map(
        (c) => `conflict with "${c.manager}" using ${apiVersion}: ${displayField(c.field)}`,
      );
      throw new HttpStatus(
        409,
        "Conflict",
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${list.join("\n")}`,
        {
          causes: conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with "${c.manager}" using ${apiVersion}`,
            field: displayField(c.field),
          })),
        },
      );
    }
    const changed = [...fields].some(
      ([path, value]) => JSON.stringify(getPath(current, path)) !== value,
    );
    const dropped = [...owners].some(([path, set]) => set.has(manager) && !fields.has(path));
    const newlyOwned = [...fields.keys()].some((path) => !owners.get(path)?.has(manager));
    if (existing && !changed && !dropped && !newlyOwned) {
      // An apply that changes nothing is a no-op: no new resourceVersion.
      return { code: 200, body: { ...clone(existing), apiVersion } };
    }
    const next = clone(current) as unknown as Record<string, unknown>;
    // Fields this manager owned alone and no longer applies are removed (SSA semantics).
    for (const [path, set] of owners) {
      if (set.has(manager) && !fields.has(path)) {
        set.delete(manager);
        if (!set.size) {
          deletePath(next, path);
          owners.delete(path);
        }
      }
    }
    for (const [path, value] of fields) {
      setPath(next, path, JSON.parse(value));
      const set = force ? new Set<string>() : (owners.get(path) ?? new Set<string>());
      set.add(manager);
      owners.set(path, set);
    }
    const nextObj = next as unknown as Obj;
    if (existing) this.checkImmutable(type, existing, nextObj);
    this.validate(type, nextObj);
    this.owners.set(key, owners);
    const stored = this.put({ ...nextObj, apiVersion, kind: type.kind }, manager, "Apply");
    return { code: existing ? 200 : 201, body: { ...stored, apiVersion } };
  }
}
