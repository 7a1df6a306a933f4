/**
 * libpq's connection parameters under pgjdbc's names. pgjdbc ignores a name it does not
 * know, so copying `connect_timeout` as is would silently drop it. Sources:
 * libpq's "Parameter Key Words" and pgjdbc's PGProperty (connectTimeout is in
 * seconds in both).
 */

export class ParamError extends Error {}

const TARGET_SERVER_TYPE: Record<string, string> = {
  any: "any",
  "read-write": "primary",
  primary: "primary",
  "read-only": "secondary",
  standby: "secondary",
  "prefer-standby": "preferSecondary",
};

/** One libpq parameter under pgjdbc's name; a value pgjdbc cannot take is refused. */
export function toPgjdbcParam([key, value]: [string, string]): [string, string] {
  if (key === "connect_timeout") {
    if (!/^\d+$/.test(value)) throw new ParamError("connect_timeout expects whole seconds");
    return ["connectTimeout", value];
  }
  if (key === "application_name") return ["ApplicationName", value];
  if (key === "target_session_attrs") {
    const mapped = TARGET_SERVER_TYPE[value];
    if (!mapped)
      throw new ParamError(
        `target_session_attrs=${value.replace(/[^\w-]/g, "?")} has no pgjdbc equivalent (expected any, read-write, read-only, primary, standby or prefer-standby)`,
      );
    return ["targetServerType", mapped];
  }
  return [key, value];
}
