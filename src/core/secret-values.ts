/**
 * Which values in a key/value map are secrets, for masking. Registering every
 * value would mask user and database names ("platform") all over the output;
 * so: values of secret-looking keys, and any URL's password (and the URL).
 */
import { parsePostgresUrl } from "./connection.js";

/** A key whose value is a secret (DB_PASSWORD, VAULT_TOKEN, API_KEY…), by its name. */
const SECRET_VALUED_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|_KEY$|^KEY$|APIKEY)/i;

export function secretValuesOf(data: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!value) continue;
    if (SECRET_VALUED_KEY.test(key)) out.push(value);
    if (/:\/\//.test(value)) {
      try {
        const parsed = parsePostgresUrl(value);
        if (parsed.password) out.push(parsed.password, value);
      } catch {
        // A PostgreSQL URL we cannot parse (a bad percent-escape) may still hold a
        // password: mask the whole URL and the raw userinfo's password part.
        const raw = /^(?:jdbc:postgresql|postgresql|postgres):\/\/[^:/@]*:(.*)@[^@]*$/s.exec(value);
        if (raw?.[1]) out.push(raw[1], value);
        // Otherwise not a PostgreSQL URL; other URL kinds hold their secrets in secret-named keys.
      }
    }
  }
  return out;
}
