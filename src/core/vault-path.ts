/**
 * KV v2 paths as users write them: relative to the mount, without the `data/`
 * segment the HTTP API inserts. Rejected locally (FAULTS.md 9) because Vault
 * would accept some of them and store the secret somewhere nobody looks.
 */
export function isValidVaultPath(path: string): boolean {
  if (!/^[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*$/.test(path)) return false;
  const segments = path.split("/");
  // `data/…` or `<mount>/data/…` is the HTTP API's spelling typed by hand; the
  // client inserts `data/` itself, so this would land at secret/data/data/….
  const apiSegment = (s: string | undefined) => s === "data" || s === "metadata";
  if (apiSegment(segments[0]) || apiSegment(segments[1])) return false;
  return segments.every((s) => s !== "." && s !== ".." && !s.endsWith("."));
}
