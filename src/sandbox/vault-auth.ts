/**
 * The Vault stand-in's auth methods and ACL policies: `sys/auth` (list, enable),
 * `sys/policies/acl/<name>`, and the `kubernetes` method's config, roles and login,
 * as Vault's API documents them. A login reviews the service account token with
 * the Kubernetes stand-in (real Vault calls the TokenReview API) and issues a token
 * whose policies allow only the paths they name.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/auth,
 * …/api-docs/system/policies, …/api-docs/auth/kubernetes, …/docs/concepts/policies.
 */
import { randomBytes } from "node:crypto";
import { errorBody } from "./vault-kv2.js";
import type { PolicyRule, TokenPolicy, VaultStore } from "./vault-store.js";

type Reply = (status: number, body?: unknown) => void;

/** Answers, and says the request was served. */
const answered = (reply: Reply) => (status: number, body?: unknown) => {
  reply(status, body);
  return true as const;
};

/** The rules of an HCL policy: `path "<glob>" { capabilities = [...] }` blocks. */
function parsePolicy(text: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const block = /path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g;
  for (const m of text.matchAll(block)) {
    const capabilities = [...m[2]!.matchAll(/"([^"]+)"/g)].map((c) => c[1]!);
    rules.push({ path: m[1]!, capabilities });
  }
  return rules;
}

const CAPABILITY: Record<string, string> = {
  GET: "read",
  LIST: "list",
  POST: "update",
  PUT: "update",
  DELETE: "delete",
};

/** Whether `rules` let a token do `method` on `rel` (a glob's trailing `*` matches any rest). */
export function allows(rules: readonly PolicyRule[], method: string, rel: string): boolean {
  const wanted = CAPABILITY[method] ?? "read";
  // Vault's default policy: a token may always look itself up.
  if (rel === "auth/token/lookup-self") return true;
  return rules.some(
    (r) =>
      (r.path.endsWith("*") ? rel.startsWith(r.path.slice(0, -1)) : rel === r.path) &&
      (r.capabilities.includes(wanted) ||
        (wanted === "update" && r.capabilities.includes("create"))),
  );
}

/** `sys/auth…` and `sys/policies/acl…`, for a token already allowed. Undefined: not ours. */
export async function serveSys(
  store: VaultStore,
  method: string,
  rel: string,
  body: () => Promise<Record<string, unknown> | undefined>,
  reply: Reply,
): Promise<true | undefined> {
  const done = answered(reply);
  if (rel === "sys/auth" && method === "GET") {
    const data: Record<string, unknown> = {};
    for (const [p, m] of store.authMounts)
      data[`${p}/`] = {
        type: m.type,
        description: m.description,
        accessor: m.accessor,
        config: {},
        local: false,
        seal_wrap: false,
        options: null,
      };
    reply(200, { ...data, data });
    return true;
  }
  const enable = /^sys\/auth\/(.+?)\/?$/.exec(rel);
  if (enable && (method === "POST" || method === "PUT")) {
    const path = enable[1]!;
    if (store.authMounts.has(path))
      return done(400, errorBody(`path is already in use at ${path}/`));
    const b = (await body()) ?? {};
    const type = String(b.type ?? "");
    if (!type) return done(400, errorBody("plugin type is required"));
    store.authMounts.set(path, {
      type,
      description: String(b.description ?? ""),
      accessor: `auth_${type}_${randomBytes(4).toString("hex")}`,
      config: {},
      roles: new Map(),
    });
    reply(204);
    return true;
  }
  const policy = /^sys\/policies\/acl\/([^/]+)$/.exec(rel);
  if (policy) {
    const name = policy[1]!;
    if (method === "GET") {
      const text = store.policies.get(name);
      if (text === undefined) return done(404, errorBody());
      const data = { name, policy: text };
      reply(200, { ...data, data });
      return true;
    }
    if (method === "POST" || method === "PUT") {
      const text = (await body())?.policy;
      if (typeof text !== "string" || !text.trim())
        return done(400, errorBody("'policy' parameter not supplied or empty"));
      store.policies.set(name, text);
      reply(204);
      return true;
    }
  }
  return undefined;
}

/**
 * A `kubernetes` auth method's config, roles and login. `authenticated` is false for
 * login, which needs no token. Undefined: the path is no kubernetes method's.
 */
export async function serveKubernetesAuth(
  store: VaultStore,
  method: string,
  rel: string,
  authenticated: boolean,
  body: () => Promise<Record<string, unknown> | undefined>,
  reply: Reply,
): Promise<true | undefined> {
  const done = answered(reply);
  const m = /^auth\/(.+)\/(config|role\/([^/]+)|login)$/.exec(rel);
  const mount = m ? store.authMounts.get(m[1]!) : undefined;
  if (!m || !mount || mount.type !== "kubernetes") return undefined;
  const write = method === "POST" || method === "PUT";
  if (m[2] === "login") {
    if (!write) return undefined;
    const b = (await body()) ?? {};
    const role = mount.roles.get(String(b.role ?? ""));
    if (!role) return done(400, errorBody(`invalid role name "${String(b.role ?? "")}"`));
    const reviewed =
      typeof b.jwt === "string" ? store.reviewServiceAccountToken?.(b.jwt) : undefined;
    if (!reviewed) return done(403, errorBody("permission denied"));
    const names = (role.bound_service_account_names as string[] | undefined) ?? [];
    const namespaces = (role.bound_service_account_namespaces as string[] | undefined) ?? [];
    if (!names.includes("*") && !names.includes(reviewed.name))
      return done(403, errorBody("service account name not authorized"));
    if (!namespaces.includes("*") && !namespaces.includes(reviewed.namespace))
      return done(403, errorBody("namespace not authorized"));
    const audience = role.audience;
    if (typeof audience === "string" && audience && !reviewed.audiences.includes(audience))
      return done(
        403,
        errorBody(
          "invalid audience (aud) claim: audience claim does not match any expected audience",
        ),
      );
    const policies = (role.token_policies as string[] | undefined) ?? [];
    const rules = policies.flatMap((p) => parsePolicy(store.policies.get(p) ?? ""));
    const token = store.addToken({ allow: rules } satisfies TokenPolicy);
    reply(200, {
      auth: {
        client_token: token,
        accessor: randomBytes(12).toString("hex"),
        policies: ["default", ...policies],
        token_policies: ["default", ...policies],
        metadata: {
          role: String(b.role),
          service_account_name: reviewed.name,
          service_account_namespace: reviewed.namespace,
        },
        lease_duration: Number(role.token_ttl ?? 2_764_800),
        renewable: true,
      },
    });
    return true;
  }
  if (!authenticated) return undefined;
  if (m[2] === "config") {
    // The plugin has no config until one is written, and a read of none is a 404
    // (pathConfigRead returns nothing; Vault answers a read of nothing with 404).
    if (method === "GET")
      return Object.keys(mount.config).length
        ? done(200, { data: mount.config })
        : done(404, errorBody());
    if (write) {
      const b = (await body()) ?? {};
      if (typeof b.kubernetes_host !== "string" || !b.kubernetes_host)
        return done(400, errorBody("no host provided"));
      mount.config = { ...b };
      return done(204);
    }
  }
  const roleName = m[3];
  if (roleName) {
    if (method === "GET") {
      const role = mount.roles.get(roleName);
      return role ? done(200, { data: role }) : done(404, errorBody());
    }
    if (write) {
      const b = (await body()) ?? {};
      if (!Array.isArray(b.bound_service_account_names) || !b.bound_service_account_names.length)
        return done(400, errorBody('"bound_service_account_names" can not be empty'));
      mount.roles.set(roleName, { ...b });
      return done(204);
    }
  }
  return undefined;
}
