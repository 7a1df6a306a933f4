/**
 * Deterministic local secrets: the same seed and fixture give the same value on
 * every machine and every rebuild. HMAC-SHA256(seed, "<mount>/<path>#<key>@<rotation>")
 * is stretched by a counter and mapped onto the alphabet by rejection sampling,
 * so every character is uniformly distributed.
 */
import { createHmac } from "node:crypto";

export const ALPHABETS = {
  alnum: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  hex: "0123456789abcdef",
  base64url: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
  /** Printable symbols too; URL- and JDBC-unsafe on purpose, to keep escaping honest. */
  strong: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*+-.:=?@^_~",
} as const;
type AlphabetName = keyof typeof ALPHABETS;

export interface DeriveSpec {
  length: number;
  /** A named alphabet or the literal characters to draw from. */
  alphabet: string;
  /** Bump to rotate a local secret. */
  rotation: number;
}

export const DEFAULT_DERIVE: DeriveSpec = { length: 32, alphabet: "alnum", rotation: 0 };

function alphabetChars(alphabet: string): string {
  return alphabet in ALPHABETS ? ALPHABETS[alphabet as AlphabetName] : alphabet;
}

export function deriveSecret(
  seed: string,
  mount: string,
  path: string,
  key: string,
  spec: DeriveSpec,
): string {
  const chars = alphabetChars(spec.alphabet);
  // Largest multiple of chars.length that fits a byte: bytes at or above it are
  // rejected so no character is more likely than another.
  const limit = 256 - (256 % chars.length);
  const label = `${mount}/${path}#${key}@${spec.rotation}`;
  let out = "";
  for (let block = 0; out.length < spec.length; block++) {
    const bytes = createHmac("sha256", seed).update(`${label}:${block}`).digest();
    for (const byte of bytes) {
      if (byte >= limit) continue;
      out += chars[byte % chars.length];
      if (out.length === spec.length) break;
    }
  }
  return out;
}
