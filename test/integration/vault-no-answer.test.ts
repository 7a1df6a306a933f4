/**
 * Our Vault client against a Vault that accepts connections and never answers, and
 * against ports that refuse or drop them: the request's time limit is the one
 * configured (in milliseconds, not a thousand times it), and the error says whether
 * a write may have reached Vault — the seed re-reads before retrying only then.
 */
import { createServer, type Server } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VaultNetworkError } from "../../src/adapters/vault-errors.js";
import { createVaultRequest, type VaultHttpOptions } from "../../src/adapters/vault-http.js";
import { type HungServer, startHungServer } from "../helpers/spawned.js";

const LIMIT_MS = 300;
/** Far above LIMIT_MS on a busy machine, far below what a wrong unit would take. */
const BOUND_MS = 8_000;

const options = (addr: string): VaultHttpOptions => ({
  addr,
  token: "t",
  timeoutMs: LIMIT_MS,
  rateLimitAttempts: 1,
  maxRetryAfterMs: 0,
  clock: { now: () => 0, sleep: async () => {} },
});

/** The request's rejection, or a failure naming the bound if it is not within it. */
async function failure(request: Promise<unknown>): Promise<VaultNetworkError> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the request did not end within ${BOUND_MS} ms`)),
      BOUND_MS,
    );
  });
  try {
    await Promise.race([request, bound]);
  } catch (error) {
    if (error instanceof VaultNetworkError) return error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error("the request succeeded");
}

describe("a Vault that accepts connections and never answers", () => {
  let hung: HungServer;
  beforeEach(async () => {
    hung = await startHungServer();
  });
  afterEach(async () => hung.close());

  it("a read ends at the configured limit, in milliseconds, and cannot have changed anything", async () => {
    const request = createVaultRequest(options(hung.url));
    const started = performance.now();
    const error = await failure(request("GET", "/secret/data/app/x"));
    const elapsed = performance.now() - started;
    expect(hung.connections).toBe(1);
    expect(error.code).toBe("ETIMEDOUT");
    expect(error.message).toBe(`GET /v1/secret/data/app/x: no answer within ${LIMIT_MS} ms`);
    expect(error.mayHaveReachedServer).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT_MS - 5);
  });

  it("a write that is never answered may have reached Vault", async () => {
    const request = createVaultRequest(options(hung.url));
    const error = await failure(request("POST", "/secret/data/app/x", { data: { K: "v" } }));
    expect(error.code).toBe("ETIMEDOUT");
    expect(error.mayHaveReachedServer).toBe(true);
  });
});

describe("a write to a Vault that refuses or drops the connection", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it("refused: it never reached Vault, so no re-read is owed", async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const request = createVaultRequest(options(`http://127.0.0.1:${port}`));
    const error = await failure(request("POST", "/secret/data/app/x", { data: { K: "v" } }));
    expect(error.code).toBe("ECONNREFUSED");
    expect(error.message).toBe("POST /v1/secret/data/app/x: connection failed (ECONNREFUSED)");
    expect(error.mayHaveReachedServer).toBe(false);
  });

  it("dropped after the request arrived: it may have reached Vault", async () => {
    let received = "";
    server = createServer((socket) => {
      socket.on("data", (chunk) => {
        received += chunk;
        // The whole request is in (headers and body): drop the connection unanswered.
        if (received.includes('{"data":{"K":"v"}}')) socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const request = createVaultRequest(options(`http://127.0.0.1:${port}`));
    const error = await failure(request("POST", "/secret/data/app/x", { data: { K: "v" } }));
    expect(received).toContain("POST /v1/secret/data/app/x");
    expect(error.code).toBe("ECONNRESET");
    expect(error.mayHaveReachedServer).toBe(true);
  });
});
