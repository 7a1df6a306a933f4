/** Discovery documents of the Kubernetes stand-in: /api, /apis and the resource lists. */
import { RESOURCES } from "./kube-resources.js";

/** The discovery document at `path`, given the ESO versions served (none: not installed). */
export function discovery(path: string, served: readonly string[]): unknown | undefined {
  if (path === "/api")
    return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  if (path === "/apis") {
    const groups = [];
    if (served.length > 0) {
      const versions = served.map((v) => ({
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
      if (served.length === 0) return undefined;
      const versions = served.map((v) => ({
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
    if (served.includes(m[1])) return list(`external-secrets.io/${m[1]}`, "external-secrets.io");
  }
  return undefined;
}
