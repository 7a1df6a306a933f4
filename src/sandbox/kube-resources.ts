/**
 * The Kubernetes stand-in's resource types and the API's rules for them: the
 * types it serves, Status error bodies, and the Secret checks (key names, size,
 * immutability) the API server makes.
 */
import { SECRET_DATA_KEY, SECRET_MAX_BYTES } from "../core/kube-secret.js";

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

export interface ResourceType {
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const RESOURCES: ResourceType[] = [
  { group: "", plural: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", plural: "secrets", kind: "Secret", namespaced: true },
  { group: "", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
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

export type Verb = "get" | "list" | "create" | "update" | "patch" | "delete";

export function statusBody(
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

export class HttpStatus extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** How the API server names a resource type in messages: `secrets`, `externalsecrets.external-secrets.io`. */
export function label(type: ResourceType) {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** A Secret's data as the API server checks it: key names, base64, 1 MiB in all. */
export function validate(type: ResourceType, obj: Obj): void {
  if (type.plural !== "secrets") return;
  const data = (obj.data ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (!SECRET_DATA_KEY.test(k)) {
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

/** An immutable Secret refuses new data, and refuses becoming mutable again. */
export function checkImmutable(type: ResourceType, existing: Obj, next: Obj) {
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
