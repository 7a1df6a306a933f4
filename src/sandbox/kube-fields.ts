/**
 * Field paths for the Kubernetes stand-in: the leaf fields server-side apply
 * tracks per manager, reading/writing/removing one, and JSON merge patch.
 */
import { clone } from "./kube-resources.js";

/**
 * Leaf fields of an object as SSA tracks them. Keys are JSON-encoded segment
 * lists, since label keys like "app.kubernetes.io/name" contain dots.
 */
export function leafFields(value: unknown, prefix: string[] = []): Map<string, string> {
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
export const displayField = (field: string) => `.${segments(field).join(".")}`;

export function getPath(obj: unknown, field: string): unknown {
  let node = obj as Record<string, unknown> | undefined;
  for (const k of segments(field)) {
    if (!node || typeof node !== "object") return undefined;
    node = node[k] as Record<string, unknown> | undefined;
  }
  return node;
}

export function setPath(obj: Record<string, unknown>, field: string, value: unknown): void {
  const keys = segments(field);
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    if (!node[k] || typeof node[k] !== "object" || Array.isArray(node[k])) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/**
 * Removes a field. With `emptied`, objects left empty by it go too, as server-side apply
 * removes a struct (`auth.tokenSecretRef`) whose fields its only manager stopped applying.
 */
export function deletePath(obj: Record<string, unknown>, field: string, emptied = false): void {
  const keys = segments(field);
  const path: Array<Record<string, unknown>> = [obj];
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    node = node[k] as Record<string, unknown>;
    if (!node || typeof node !== "object") return;
    path.push(node);
  }
  delete node[keys[keys.length - 1]!];
  if (!emptied) return;
  for (let i = path.length - 1; i > 0 && Object.keys(path[i]!).length === 0; i--)
    delete path[i - 1]![keys[i - 1]!];
}

export function mergePatch(target: unknown, patch: unknown): unknown {
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
