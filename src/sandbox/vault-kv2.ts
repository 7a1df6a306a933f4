/**
 * The Vault stand-in's KV v2 engine over HTTP: data (read, write with
 * check-and-set, soft delete), metadata and config, as Vault answers them, with
 * the connection reset after a write that tests switch on.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { membersAt, objectText } from "../core/kv-json.js";
import { type Mount, now, VaultStore } from "./vault-store.js";

/** A body that is JSON text already: sent as it is. */
class RawJson {
  constructor(readonly text: string) {}
}

export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 ? 204 : status, headers).end();
    return;
  }
  const text = body instanceof RawJson ? body.text : JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers,
    })
    .end(text);
}

export const errorBody = (...errors: string[]) => ({ errors });

export class VaultKv2 extends VaultStore {
  /**
   * Awaited after every KV v2 write made over HTTP, before the write is answered,
   * so a controller reacting to Vault (the sandbox's database roles) has
   * converged by the time the writer's next command runs.
   */
  afterWrite:
    | ((mount: string, path: string, data: Record<string, unknown>) => Promise<void>)
    | undefined;

  protected record(req: IncomingMessage, path: string, status: number) {
    this.requests.push({ method: req.method ?? "GET", path, status });
  }

  protected async body(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    return (await this.bodyWithText(req)).body;
  }

  /** The parsed body, and its text (whose values KV v2 stores as written). */
  protected async bodyWithText(
    req: IncomingMessage,
  ): Promise<{ body: Record<string, unknown> | undefined; text: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!chunks.length) return { body: {}, text: "" };
    const text = Buffer.concat(chunks).toString("utf8");
    try {
      const v = JSON.parse(text) as unknown;
      return {
        body: v && typeof v === "object" ? (v as Record<string, unknown>) : undefined,
        text,
      };
    } catch {
      return { body: undefined, text };
    }
  }
  protected async kv2(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    mountPath: string,
    mount: Mount,
    sub: string,
    reply: (status: number, body?: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    if (sub === "config") {
      if (method === "GET") {
        return reply(200, {
          data: {
            cas_required: mount.casRequired,
            max_versions: mount.maxVersions,
            delete_version_after: "0s",
          },
        });
      }
      const body = await this.body(req);
      if (typeof body?.cas_required === "boolean") mount.casRequired = body.cas_required;
      return reply(204);
    }
    const [kind, ...rest] = sub.split("/");
    const path = rest.join("/");
    if (kind === "data") {
      const entry = mount.kv.get(path);
      if (method === "GET") {
        if (!entry || entry.current === 0) return reply(404, errorBody());
        const v = entry.versions.get(entry.current)!;
        const metadata = this.metadataOf(entry, entry.current);
        if (v.deletion_time || v.destroyed) return reply(404, { data: { data: null, metadata } });
        // The data's JSON text as it was written, numbers included: Vault stores the text
        // it was sent (its HTTP layer decodes with json.Number; kv's pathDataWrite
        // json.Marshals that). Note: real Vault's pathDataRead (vault-plugin-secrets-kv
        // path_data.go) decodes the stored text without UseNumber, so through its API a
        // number past 2^53 already comes back rounded; this stand-in returns the stored
        // text so that tests see any change our client makes on its own.
        const json = v.json ?? JSON.stringify(v.data);
        return reply(
          200,
          new RawJson(
            `{"request_id":${JSON.stringify(randomBytes(8).toString("hex"))},"data":{"data":${json},"metadata":${JSON.stringify(metadata)}}}`,
          ),
        );
      }
      if (method === "POST" || method === "PUT") {
        const { body, text } = await this.bodyWithText(req);
        if (
          !body ||
          typeof body.data !== "object" ||
          body.data === null ||
          Array.isArray(body.data)
        )
          return reply(400, errorBody("no data provided"));
        const members = membersAt(text, ["data"]) ?? [];
        const cas = (body.options as { cas?: unknown } | undefined)?.cas;
        const casRequired = mount.casRequired || entry?.casRequired === true;
        if (cas === undefined && casRequired)
          return reply(400, errorBody("check-and-set parameter required for this call"));
        this.faults.beforeWrite?.(mountPath, path);
        const current = mount.kv.get(path)?.current ?? 0;
        if (cas !== undefined && Number(cas) !== current) {
          return reply(400, errorBody("check-and-set parameter did not match the current version"));
        }
        const version = this.applyWrite(
          mount,
          path,
          body.data as Record<string, unknown>,
          objectText(members),
        );
        await this.afterWrite?.(mountPath, path, body.data as Record<string, unknown>);
        if (this.faults.resetAfterWrite > 0) {
          this.faults.resetAfterWrite--;
          this.record(req, req.url ?? "", 0);
          req.socket.destroy();
          return;
        }
        const e = mount.kv.get(path)!;
        return reply(200, { data: this.metadataOf(e, version) });
      }
      if (method === "DELETE") {
        if (entry) this.softDelete(mountPath, path);
        return reply(204);
      }
    }
    if (kind === "metadata") {
      if (method === "LIST") {
        const prefix = path ? `${path.replace(/\/$/, "")}/` : "";
        const keys = new Set<string>();
        for (const p of mount.kv.keys()) {
          if (!p.startsWith(prefix)) continue;
          const restKey = p.slice(prefix.length);
          const slash = restKey.indexOf("/");
          keys.add(slash < 0 ? restKey : restKey.slice(0, slash + 1));
        }
        if (!keys.size) return reply(404, errorBody());
        return reply(200, { data: { keys: [...keys].sort() } });
      }
      const entry = mount.kv.get(path);
      if (method === "GET") {
        if (!entry) return reply(404, errorBody());
        const versions: Record<string, unknown> = {};
        for (const n of entry.versions.keys()) versions[n] = this.metadataOf(entry, n);
        return reply(200, {
          data: {
            cas_required: entry.casRequired,
            created_time: entry.created,
            current_version: entry.current,
            oldest_version: 1,
            updated_time: entry.updated,
            max_versions: 0,
            versions,
          },
        });
      }
      if (method === "POST" || method === "PUT") {
        const body = await this.body(req);
        const e = entry ?? {
          versions: new Map(),
          current: 0,
          casRequired: false,
          created: now(),
          updated: now(),
        };
        if (typeof body?.cas_required === "boolean") e.casRequired = body.cas_required;
        mount.kv.set(path, e);
        return reply(204);
      }
      if (method === "DELETE") {
        mount.kv.delete(path);
        return reply(204);
      }
    }
    if (kind === "undelete" && (method === "POST" || method === "PUT")) {
      const body = await this.body(req);
      const entry = mount.kv.get(path);
      for (const n of (body?.versions as number[] | undefined) ?? []) {
        const v = entry?.versions.get(n);
        if (v && !v.destroyed) v.deletion_time = "";
      }
      return reply(204);
    }
    void res;
    return reply(405, errorBody("unsupported operation"));
  }
}
