/**
 * A libpq URL from a connection's parts, for tests that hand dev-bootstrap a
 * DATABASE_URL the way a fixture or a developer writes one: credentials
 * percent-encoded, pgjdbc's parameter names turned back into libpq's (the inverse
 * of src/core/jdbc.ts toPgjdbcParam; libpq's "Parameter Key Words").
 */
import type { Connection } from "../../src/core/connection.js";

const TARGET_SESSION_ATTRS: Record<string, string> = {
  any: "any",
  primary: "primary",
  secondary: "standby",
  preferSecondary: "prefer-standby",
};

/** One pgjdbc parameter under libpq's name. */
export function toLibpqParam([key, value]: [string, string]): [string, string] {
  if (key === "connectTimeout") return ["connect_timeout", value];
  if (key === "ApplicationName") return ["application_name", value];
  if (key === "targetServerType" && TARGET_SESSION_ATTRS[value])
    return ["target_session_attrs", TARGET_SESSION_ATTRS[value]];
  return [key, value];
}

const bracketed = (host: string) =>
  host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
const encodeParam = (v: string) => encodeURIComponent(v).replace(/%2C/g, ",");

export function renderLibpqUrl(c: Connection): string {
  const params = c.params.map(toLibpqParam);
  const query = params.length
    ? `?${params.map(([k, v]) => `${encodeParam(k)}=${encodeParam(v)}`).join("&")}`
    : "";
  return `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${bracketed(c.host)}:${c.port}/${encodeURIComponent(c.database)}${query}`;
}
