/**
 * The Kubernetes stand-in's verbs over its store: get, list, create, update,
 * merge patch and server-side apply (field managers and conflicts), with RBAC
 * denials and one-shot failures that tests inject.
 */
import {
  deletePath,
  displayField,
  getPath,
  leafFields,
  mergePatch,
  setPath,
} from "./kube-fields.js";
import {
  checkImmutable,
  clone,
  type DenyRule,
  HttpStatus,
  type InjectedFailure,
  label,
  type Obj,
  type ResourceType,
  type Verb,
  validate,
} from "./kube-resources.js";
import { KubeStore } from "./kube-store.js";

export class KubeApi extends KubeStore {
  deny: DenyRule[] = [];
  failures: InjectedFailure[] = [];
  /**
   * Fields (dotted paths) the served schema of a kind lacks: the API server drops them
   * from every write, as it prunes fields a CRD's structural schema does not declare
   * (an older ESO's ExternalSecret: `spec.refreshPolicy`).
   */
  pruned: Record<string, string[]> = {};

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
        `${label(type)}${verb === "list" || verb === "create" ? "" : ` "${"<name>"}"`} is forbidden: User "system:serviceaccount:dev:bootstrap" cannot ${verb} resource "${type.plural}" in API group "${type.group}"${where}`,
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

  protected serve(
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
      new HttpStatus(404, "NotFound", `${label(type)} "${n}" not found`, {
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
    for (const field of this.pruned[type.kind] ?? [])
      deletePath(obj as unknown as Record<string, unknown>, JSON.stringify(field.split(".")));
    const manager = query.get("fieldManager") ?? "unknown";
    if (verb === "create") {
      const n = obj.metadata.name;
      if (this.store.has(key(n))) {
        throw new HttpStatus(409, "AlreadyExists", `${label(type)} "${n}" already exists`, {
          name: n,
          kind: type.plural,
        });
      }
      validate(type, obj);
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
          `Operation cannot be fulfilled on ${label(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, kind: type.plural },
        );
      }
      checkImmutable(type, existing, obj);
      validate(type, obj);
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
    checkImmutable(type, existing, merged);
    validate(type, merged);
    return { code: 200, body: withVersion(this.put(merged, manager)) };
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
          deletePath(next, path, true);
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
    if (existing) checkImmutable(type, existing, nextObj);
    validate(type, nextObj);
    this.owners.set(key, owners);
    const stored = this.put({ ...nextObj, apiVersion, kind: type.kind }, manager, "Apply");
    return { code: existing ? 200 : 201, body: { ...stored, apiVersion } };
  }
}
