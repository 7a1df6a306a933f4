/**
 * PostgreSQL connection URLs ⇄ Flyway's JDBC URLs. A JDBC URL we produce never
 * holds credentials: user and password travel separately (FLYWAY_USER /
 * FLYWAY_PASSWORD), so the URL can be logged and passed on argv safely.
 */

export interface ParsedPostgresUrl {
  host: string;
  /** Host as written in a URL: IPv6 addresses keep their brackets. */
  hostForUrl: string;
  port: number;
  database: string;
  /** Query parameters other than credentials, in their original order. */
  params: Array<[string, string]>;
  user?: string;
  password?: string;
}

export class UrlError extends Error {}

const CREDENTIAL_PARAMS = new Set(["user", "password"]);

/** Percent-decodes one part of a URL; like libpq, an invalid escape is an error (never echoed). */
function decode(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlError(
      `invalid percent-encoding in ${part} ('%' must be followed by two hex digits; write '%25' for a literal '%')`,
    );
  }
}

const TARGET_SERVER_TYPE: Record<string, string> = {
  any: "any",
  "read-write": "primary",
  primary: "primary",
  "read-only": "secondary",
  standby: "secondary",
  "prefer-standby": "preferSecondary",
};

/**
 * libpq parameters whose pgjdbc names differ. pgjdbc ignores a name it does not know,
 * so copying `connect_timeout` as is would silently drop it. Sources: libpq's
 * "Parameter Key Words" and pgjdbc's PGProperty (connectTimeout is in seconds in both).
 */
function toPgjdbcParam([key, value]: [string, string]): [string, string] {
  if (key === "connect_timeout") {
    if (!/^\d+$/.test(value)) throw new UrlError("connect_timeout expects whole seconds");
    return ["connectTimeout", value];
  }
  if (key === "application_name") return ["ApplicationName", value];
  if (key === "target_session_attrs") {
    const mapped = TARGET_SERVER_TYPE[value];
    if (!mapped)
      throw new UrlError(
        `target_session_attrs=${value.replace(/[^\w-]/g, "?")} has no pgjdbc equivalent (expected any, read-write, read-only, primary, standby or prefer-standby)`,
      );
    return ["targetServerType", mapped];
  }
  return [key, value];
}

/**
 * Parses `postgresql://`, `postgres://` and `jdbc:postgresql://` URLs.
 * Credentials in the userinfo are percent-decoded. The userinfo ends at the
 * last '@' before the path, so a password with a raw '@' still parses.
 */
export function parsePostgresUrl(url: string): ParsedPostgresUrl {
  const m = /^(?:jdbc:postgresql|postgresql|postgres):\/\/(.*)$/s.exec(url.trim());
  if (!m)
    throw new UrlError(
      "expected a URL starting with postgresql://, postgres:// or jdbc:postgresql://",
    );
  let rest = m[1]!;
  let user: string | undefined;
  let password: string | undefined;
  // The authority ends at the first '/' or '?' after the userinfo; the userinfo
  // ends at the last '@' that precedes a host-looking remainder.
  const at = rest.lastIndexOf(
    "@",
    (() => {
      const q = rest.indexOf("?");
      return q < 0 ? rest.length : q;
    })(),
  );
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(":");
    user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "the user");
    if (colon >= 0) password = decode(userinfo.slice(colon + 1), "the password");
  }
  const hm = /^(\[[0-9A-Fa-f:.]+\]|[^:/?\s[\]]+)(?::(\d{1,5}))?(?:\/([^?]*))?(?:\?(.*))?$/s.exec(
    rest,
  );
  if (!hm) throw new UrlError("expected host[:port]/database after '//'");
  const hostForUrl = hm[1]!;
  const port = hm[2] ? Number(hm[2]) : 5432;
  if (port < 1 || port > 65535) throw new UrlError(`port ${port} is out of range`);
  const database = decode(hm[3] ?? "", "the database name");
  if (!database) throw new UrlError("the URL names no database (expected …/<database>)");
  const params: Array<[string, string]> = [];
  for (const pair of (hm[4] ?? "").split("&").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), "the query parameters");
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1), "the query parameters");
    if (key === "user") user = value;
    else if (key === "password") password = value;
    else params.push([key, value]);
  }
  const parsed: ParsedPostgresUrl = {
    host: hostForUrl.replace(/^\[|\]$/g, ""),
    hostForUrl,
    port,
    database,
    params,
  };
  if (user !== undefined && user !== "") parsed.user = user;
  if (password !== undefined) parsed.password = password;
  return parsed;
}

const encodeParam = (v: string) => encodeURIComponent(v).replace(/%2C/g, ",");

/** The JDBC URL for a parsed URL: host, port, database, non-credential params. */
export function formatJdbcUrl(
  p: Pick<ParsedPostgresUrl, "hostForUrl" | "port" | "database" | "params">,
): string {
  const query = p.params
    .filter(([k]) => !CREDENTIAL_PARAMS.has(k))
    .map(([k, v]) => `${encodeParam(k)}=${encodeParam(v)}`)
    .join("&");
  return `jdbc:postgresql://${p.hostForUrl}:${p.port}/${encodeURIComponent(p.database)}${query ? `?${query}` : ""}`;
}

/** Converts any supported URL to JDBC, returning the credentials it carried separately. */
export function toJdbc(url: string): { jdbc: string; user?: string; password?: string } {
  const parsed = parsePostgresUrl(url);
  // A libpq URL's parameters take pgjdbc's names; a jdbc: URL already has them.
  if (!url.trim().startsWith("jdbc:")) parsed.params = parsed.params.map(toPgjdbcParam);
  const out: { jdbc: string; user?: string; password?: string } = { jdbc: formatJdbcUrl(parsed) };
  if (parsed.user !== undefined) out.user = parsed.user;
  if (parsed.password !== undefined) out.password = parsed.password;
  return out;
}

/** Why a JDBC URL is not acceptable in the migrations secret, or undefined when it is. */
export function jdbcProblem(url: string): string | undefined {
  if (!url.startsWith("jdbc:postgresql://"))
    return "not a JDBC URL (expected jdbc:postgresql://host:port/database)";
  let parsed: ParsedPostgresUrl;
  try {
    parsed = parsePostgresUrl(url);
  } catch (error) {
    return (error as Error).message;
  }
  if (parsed.user !== undefined || parsed.password !== undefined)
    return "holds credentials (user/password belong in FLYWAY_USER / FLYWAY_PASSWORD)";
  return undefined;
}

/** Builds a postgresql:// URL from parts, percent-encoding the credentials. */
export function buildPostgresUrl(parts: {
  user: string;
  password: string;
  host: string;
  port: string | number;
  database: string;
}): string {
  const host =
    parts.host.includes(":") && !parts.host.startsWith("[") ? `[${parts.host}]` : parts.host;
  return `postgresql://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}@${host}:${parts.port}/${encodeURIComponent(parts.database)}`;
}
