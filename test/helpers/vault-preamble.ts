/**
 * The calls our Vault client makes before it reads or writes a path (health, token
 * lookup, the KV v2 mount), answered as a healthy, unsealed Vault with a KV v2
 * `secret/` mount. For tests whose hand-made Vault only differs after that.
 */
import type { ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Answers `url` when it is one of the preamble's calls; false otherwise. */
export function answerVaultPreamble(url: string, res: ServerResponse): boolean {
  if (url === "/v1/sys/health") sendJson(res, 200, { initialized: true, sealed: false });
  else if (url === "/v1/auth/token/lookup-self")
    sendJson(res, 200, { data: { policies: ["root"] } });
  else if (url === "/v1/sys/mounts/secret")
    sendJson(res, 200, { data: { type: "kv", options: { version: "2" } } });
  else return false;
  return true;
}
