/**
 * More of kubectl's KUBECONFIG merge (client-go's loader): a cluster's CA against its
 * own file, names listed twice refused with kubectl's reason, entries that are not
 * entries skipped, and the first current-context kept.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { mergeKubeconfigs } from "../../src/core/kubeconfig-merge.js";

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
};

describe("mergeKubeconfigs", () => {
  it("a cluster's certificate-authority resolves against its own file; absolute and empty ones stay", () => {
    const merged = mergeKubeconfigs([
      {
        file: "/k/a/config",
        doc: {
          clusters: [
            { name: "rel", cluster: { server: "https://x", "certificate-authority": "ca.crt" } },
            { name: "abs", cluster: { "certificate-authority": "/etc/ca.crt" } },
            { name: "empty", cluster: { "certificate-authority": "" } },
            { name: "none", cluster: { server: "https://y" } },
            { name: "nobody" },
          ],
        },
      },
    ]);
    expect(merged.clusters).toEqual([
      { name: "rel", cluster: { server: "https://x", "certificate-authority": "/k/a/ca.crt" } },
      { name: "abs", cluster: { "certificate-authority": "/etc/ca.crt" } },
      { name: "empty", cluster: { "certificate-authority": "" } },
      { name: "none", cluster: { server: "https://y", "certificate-authority": undefined } },
      { name: "nobody" },
    ]);
  });

  it("a user's references other than files, and a context's, are left as written", () => {
    const merged = mergeKubeconfigs([
      {
        file: "/k/config",
        doc: {
          users: [{ name: "u", user: { token: "t", exec: { command: 7 } } }],
          contexts: [{ name: "c", context: { cluster: "x", user: "u", namespace: "ns" } }],
        },
      },
    ]);
    expect(merged.users).toEqual([{ name: "u", user: { token: "t", exec: { command: 7 } } }]);
    expect(merged.contexts).toEqual([
      { name: "c", context: { cluster: "x", user: "u", namespace: "ns" } },
    ]);
  });

  it("refuses a name listed twice in one file, for each kind, naming the file and the name", () => {
    const twice = (kind: string, field: string) =>
      errorOf(() =>
        mergeKubeconfigs([
          {
            file: "/k/config",
            doc: {
              [kind]: [
                { name: "dup", [field]: {} },
                { name: "dup", [field]: {} },
              ],
            },
          },
        ]),
      );
    expect(twice("clusters", "cluster").message).toBe(
      "kubeconfig /k/config: cluster 'dup' is listed twice in the same file",
    );
    expect(twice("users", "user").message).toBe(
      "kubeconfig /k/config: user 'dup' is listed twice in the same file",
    );
    const contexts = twice("contexts", "context");
    expect(contexts.message).toBe(
      "kubeconfig /k/config: context 'dup' is listed twice in the same file",
    );
    expect(contexts.hint).toBe("kubectl refuses this file too: remove one of the two entries");
  });

  it("a name in two files is no error: the first file's entry is kept, in file order", () => {
    const merged = mergeKubeconfigs([
      { file: "/a", doc: { users: [{ name: "u", user: { token: "a" } }] } },
      {
        file: "/b",
        doc: {
          users: [
            { name: "v", user: {} },
            { name: "u", user: { token: "b" } },
          ],
        },
      },
    ]);
    expect(merged.users.map((u) => [u.name, (u.user as { token?: string }).token])).toEqual([
      ["u", "a"],
      ["v", undefined],
    ]);
    expect(merged.origin.users).toEqual(
      new Map([
        ["u", "/a"],
        ["v", "/b"],
      ]),
    );
  });

  it("skips list items that are not named entries, and null or missing lists", () => {
    const merged = mergeKubeconfigs([
      {
        file: "/a",
        doc: { clusters: [null, "x", { cluster: {} }, { name: 3 }, { name: "ok" }], users: null },
      },
      { file: "/b", doc: undefined },
    ]);
    expect(merged.clusters).toEqual([{ name: "ok" }]);
    expect(merged.users).toEqual([]);
    expect(merged.contexts).toEqual([]);
  });

  it("the first non-empty current-context wins; a later one does not replace it; none is undefined", () => {
    expect(
      mergeKubeconfigs([
        { file: "/a", doc: { "current-context": "first" } },
        { file: "/b", doc: { "current-context": "second" } },
      ]).currentContext,
    ).toBe("first");
    expect(
      mergeKubeconfigs([{ file: "/a", doc: { "current-context": 5 } }]).currentContext,
    ).toBeUndefined();
    expect(mergeKubeconfigs([]).currentContext).toBeUndefined();
  });

  it("names a file that is no kubeconfig with the hint to point KUBECONFIG at kubeconfigs", () => {
    const e = errorOf(() => mergeKubeconfigs([{ file: "/k/\u001b]0;x", doc: "text" }]));
    expect(e.message).toBe(
      "kubeconfig /k/\\x1b]0;x is not a kubeconfig (a YAML mapping with clusters, users and contexts)",
    );
    expect(e.hint).toBe("point KUBECONFIG at kubeconfig files only");
    const list = errorOf(() => mergeKubeconfigs([{ file: "/k", doc: { users: "u" } }]));
    expect(list.hint).toBe("fix the file (kubectl config view shows what kubectl reads)");
  });
});
