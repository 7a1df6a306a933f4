/**
 * The Kubernetes stand-in's object store: objects by group/plural/namespace/name,
 * resourceVersion, uid, and which field manager owns which field.
 */
import { randomUUID } from "node:crypto";
import { leafFields } from "./kube-fields.js";
import { clone, type Obj, RESOURCES, type ResourceType } from "./kube-resources.js";

export class KubeStore {
  protected readonly store = new Map<string, Obj>();
  /** field path → managers, per object key */
  protected readonly owners = new Map<string, Map<string, Set<string>>>();
  protected rv = 1000;
  /** Called after any write so a controller (the ESO reconciler) can react. */
  onChange: ((obj: Obj) => void) | undefined;

  constructor(namespaces: readonly string[]) {
    for (const ns of namespaces) this.createNamespace(ns);
  }

  createNamespace(name: string): void {
    this.put({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, "standin", "Update");
  }

  protected key(group: string, plural: string, ns: string | undefined, name: string) {
    return `${group}/${plural}/${ns ?? ""}/${name}`;
  }

  protected typeOf(kind: string): ResourceType {
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

  private readonly serviceAccountTokens = new Map<
    string,
    { namespace: string; name: string; audiences: string[] }
  >();

  /**
   * A token for a service account, as the TokenRequest API (`serviceaccounts/<name>/token`)
   * makes one for a controller; undefined when the account does not exist.
   */
  requestServiceAccountToken(
    namespace: string,
    name: string,
    audiences: readonly string[],
  ): string | undefined {
    if (!this.get("ServiceAccount", namespace, name)) return undefined;
    const token = `standin-sa.${randomUUID()}`;
    this.serviceAccountTokens.set(token, { namespace, name, audiences: [...audiences] });
    return token;
  }

  /** What a TokenReview says of `token`: whose it is and for which audiences, or undefined. */
  reviewToken(token: string): { namespace: string; name: string; audiences: string[] } | undefined {
    const found = this.serviceAccountTokens.get(token);
    // A token outlives no deleted account.
    return found && this.get("ServiceAccount", found.namespace, found.name) ? found : undefined;
  }

  /** Deletes an object directly, as another client would (`kubectl delete`, a garbage collector). */
  remove(kind: string, namespace: string | undefined, name: string): void {
    const t = this.typeOf(kind);
    const key = this.key(t.group, t.plural, t.namespaced ? namespace : undefined, name);
    this.store.delete(key);
    this.owners.delete(key);
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
}
