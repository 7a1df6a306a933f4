import { parseConnectionUrl, renderJdbcUrl } from "../../src/core/connection.js";

/** A URL as Flyway receives it: the JDBC URL, and the credentials it carried apart. */
export function toJdbc(url: string): { jdbc: string; user?: string; password?: string } {
  const parsed = parseConnectionUrl(url);
  const out: { jdbc: string; user?: string; password?: string } = {
    jdbc: renderJdbcUrl(parsed),
  };
  if (parsed.user !== undefined) out.user = parsed.user;
  if (parsed.password !== undefined) out.password = parsed.password;
  return out;
}
