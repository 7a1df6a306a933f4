import { describe, expect, it } from "vitest";
import { roleSpecFor } from "../../src/sandbox/database-roles.js";

const server = { host: "127.0.0.1", port: 54321 };
const base = { DB_USERNAME: "billing", DB_PASSWORD: "pw-1234567", DB_NAME: "billing" };

describe("roleSpecFor: which Vault paths the sandbox turns into roles", () => {
  it("a path with user, password and database name for this server", () => {
    expect(roleSpecFor({ ...base, DB_HOST: "127.0.0.1", DB_PORT: "54321" }, server)).toEqual({
      name: "billing",
      owner: "billing",
      password: "pw-1234567",
    });
    const billing = { name: "billing", owner: "billing", password: "pw-1234567" };
    // "localhost" is this server too, and a numeric port counts like its string.
    expect(roleSpecFor({ ...base, DB_HOST: "localhost", DB_PORT: 54321 }, server)).toEqual(billing);
    // No host and port: the path names no other server, so it is this one's.
    expect(roleSpecFor(base, server)).toEqual(billing);
  });

  it("not a path for another server, nor one missing a piece", () => {
    expect(
      roleSpecFor({ ...base, DB_HOST: "postgres.ameide.svc", DB_PORT: "54321" }, server),
    ).toBeUndefined();
    expect(roleSpecFor({ ...base, DB_HOST: "127.0.0.1", DB_PORT: "5432" }, server)).toBeUndefined();
    expect(roleSpecFor({ DB_USERNAME: "a", DB_PASSWORD: "b" }, server)).toBeUndefined();
    expect(roleSpecFor({ ...base, DB_PASSWORD: "" }, server)).toBeUndefined();
    expect(roleSpecFor({ ...base, DB_PASSWORD: 42 }, server)).toBeUndefined();
    expect(roleSpecFor({ API_TOKEN: "x" }, server)).toBeUndefined();
  });
});
