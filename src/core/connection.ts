/**
 * A PostgreSQL connection as a structure. URLs exist only at the edges: they are
 * parsed here once when read (a secret, the environment) and rendered here once
 * when written (the migrations secret's FLYWAY_URL, Flyway's environment).
 *
 * Parsing is WHATWG `URL` with our rules on top, which the chart's entrypoint
 * (charts/db-migrations/files/flyway-entrypoint.sh) follows too:
 *  - the userinfo ends at the last '@' before the query, so a password with a raw
 *    '@', '/' or '#' still parses (WHATWG would end the authority at '/' or '#');
 *  - every percent-escape is checked, like libpq: an invalid one is an error that
 *    never echoes the text (WHATWG keeps it as is);
 *  - query parameters are split on '&' and '=' and percent-decoded ('+' stays '+');
 *  - a libpq URL's parameters take pgjdbc's names (core/jdbc.ts).
 */
import { ParamError, toPgjdbcParam } from "./jdbc.js";

interface Endpoint {
  /** Host name or address; an IPv6 address without brackets. */
  host: string;
  port: number;
  database: string;
  /** Parameters other than credentials, pgjdbc's names, in their original order. */
  params: Array<[string, string]>;
}

export interface Connection extends Endpoint {
  user: string;
  password: string;
}

/** A parsed URL: credentials only when it carried them. */
export interface ParsedUrl extends Endpoint {
  user?: string;
  password?: string;
}

export class UrlError extends Error {}

const DEFAULT_PORT = 5432;
const SCHEME = /^(jdbc:postgresql|postgresql|postgres):\/\/(.*)$/s;

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

const STRUCTURE = "expected host[:port]/database after '//'";

/** Host and port of an authority (no userinfo), through WHATWG's host parser. */
function parseAuthority(authority: string): { host: string; port: number } {
  const portText = /:(\d+)$/.exec(authority)?.[1];
  if (portText !== undefined) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new UrlError(`port ${port} is out of range`);
  }
  // WHATWG drops tabs and newlines silently and takes an empty port as the default.
  if (/[\s%#]/.test(authority) || authority.endsWith(":")) throw new UrlError(STRUCTURE);
  let url: URL;
  try {
    url = new URL(`postgresql://${authority}`);
  } catch {
    throw new UrlError(STRUCTURE);
  }
  if (!url.hostname) throw new UrlError(STRUCTURE);
  // The host as written (WHATWG would rewrite an IPv6 address into its shortest
  // form), so the JDBC URL matches what the chart's entrypoint renders.
  const written = portText === undefined ? authority : authority.slice(0, -portText.length - 1);
  return {
    host: written.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : DEFAULT_PORT,
  };
}

/**
 * Parses `postgresql://`, `postgres://` and `jdbc:postgresql://` URLs as written:
 * parameters keep their names, and credentials in the userinfo or in `user=` /
 * `password=` parameters are returned decoded and apart.
 */
export function parsePostgresUrl(url: string): ParsedUrl & { jdbc: boolean } {
  const m = SCHEME.exec(url.trim());
  if (!m)
    throw new UrlError(
      "expected a URL starting with postgresql://, postgres:// or jdbc:postgresql://",
    );
  let rest = m[2]!;
  let user: string | undefined;
  let password: string | undefined;
  const query = rest.indexOf("?");
  const at = rest.lastIndexOf("@", query < 0 ? rest.length : query);
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(":");
    user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), "the user");
    if (colon >= 0) password = decode(userinfo.slice(colon + 1), "the password");
  }
  const end = rest.search(/[/?]/);
  const { host, port } = parseAuthority(end < 0 ? rest : rest.slice(0, end));
  const tail = end < 0 ? "" : rest.slice(end);
  const q = tail.indexOf("?");
  const path = q < 0 ? tail : tail.slice(0, q);
  const database = decode(path.slice(1), "the database name");
  if (!database) throw new UrlError("the URL names no database (expected …/<database>)");
  const params: Array<[string, string]> = [];
  for (const pair of (q < 0 ? "" : tail.slice(q + 1)).split("&").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const key = decode(eq < 0 ? pair : pair.slice(0, eq), "the query parameters");
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1), "the query parameters");
    if (key === "user") user = value;
    else if (key === "password") password = value;
    else params.push([key, value]);
  }
  const parsed: ParsedUrl & { jdbc: boolean } = {
    jdbc: m[1] === "jdbc:postgresql",
    host,
    port,
    database,
    params,
  };
  if (user !== undefined && user !== "") parsed.user = user;
  if (password !== undefined) parsed.password = password;
  return parsed;
}

/** Parses any supported URL; a libpq URL's parameters take pgjdbc's names. */
export function parseConnectionUrl(url: string): ParsedUrl {
  const { jdbc, ...parsed } = parsePostgresUrl(url);
  if (jdbc) return parsed;
  try {
    parsed.params = parsed.params.map(toPgjdbcParam);
  } catch (error) {
    throw error instanceof ParamError ? new UrlError(error.message) : error;
  }
  return parsed;
}

/**
 * A connection from separate parts (DB_HOST, DB_PORT, …), checked as a URL's
 * host, port and database would be. Errors name the part, never its value.
 */
export function connectionFromParts(parts: {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}): Connection {
  const portNumber = Number(parts.port);
  if (!/^\d{1,5}$/.test(parts.port) || portNumber < 1 || portNumber > 65535)
    throw new UrlError("DB_PORT is not a port number (1-65535)");
  let host: string;
  try {
    host = parseAuthority(`${bracketed(parts.host)}:${portNumber}`).host;
  } catch {
    throw new UrlError("DB_HOST is not a host name or an IP address");
  }
  if (!parts.database) throw new UrlError("DB_NAME is empty");
  return {
    host,
    port: portNumber,
    database: parts.database,
    params: [],
    user: parts.user,
    password: parts.password,
  };
}

const bracketed = (host: string) =>
  host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
const encodeParam = (v: string) => encodeURIComponent(v).replace(/%2C/g, ",");
const query = (params: Array<[string, string]>) =>
  params.length
    ? `?${params.map(([k, v]) => `${encodeParam(k)}=${encodeParam(v)}`).join("&")}`
    : "";

/** Flyway's JDBC URL: never credentials, so it can be logged and shown. */
export function renderJdbcUrl(e: Endpoint): string {
  const params = e.params.filter(([k]) => k !== "user" && k !== "password");
  return `jdbc:postgresql://${bracketed(e.host)}:${e.port}/${encodeURIComponent(e.database)}${query(params)}`;
}

/** Why a URL is not acceptable as the migrations secret's FLYWAY_URL, or undefined. */
export function jdbcProblem(url: string): string | undefined {
  if (!url.startsWith("jdbc:postgresql://"))
    return "not a JDBC URL (expected jdbc:postgresql://host:port/database)";
  let parsed: ParsedUrl;
  try {
    parsed = parsePostgresUrl(url);
  } catch (error) {
    return (error as Error).message;
  }
  if (parsed.user !== undefined || parsed.password !== undefined)
    return "holds credentials (user/password belong in FLYWAY_USER / FLYWAY_PASSWORD)";
  return undefined;
}
