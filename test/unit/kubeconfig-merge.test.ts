/**
 * kubectl's merge of KUBECONFIG's files (client-go's loader), on parsed documents: the
 * rules the integration test checks against the real kubectl, here with the cases a
 * kubectl view cannot show (an exec plugin's command, tokenFile, where entries came from).
 */
import { describe, expect, it } from "vitest";
import { mergeKubeconfigs } from "../../src/core/kubeconfig-merge.js";

const user = (name: string, body: Record<string, unknown>) => ({ name, user: body });

describe("mergeKubeconfigs", () => {
  it("resolves a user's file references against its own file; an exec command only when it is a path", () => {
    const merged = mergeKubeconfigs([
      {
        file: "/home/dev/.kube/team/config",
        doc: {
          users: [
            user("path-plugin", { exec: { command: "./bin/login", args: ["x"] }, tokenFile: "t" }),
            user("bare-plugin", { exec: { command: "kubelogin" } }),
            user("absolute", { "client-key": "/etc/key.pem", "client-certificate": "c.pem" }),
          ],
        },
      },
    ]);
    expect(merged.users).toEqual([
      user("path-plugin", {
        exec: { command: "/home/dev/.kube/team/bin/login", args: ["x"] },
        tokenFile: "/home/dev/.kube/team/t",
      }),
      user("bare-plugin", { exec: { command: "kubelogin" } }),
      user("absolute", {
        "client-key": "/etc/key.pem",
        "client-certificate": "/home/dev/.kube/team/c.pem",
      }),
    ]);
  });

  it("keeps the first file's entry whole and says which file each came from", () => {
    const merged = mergeKubeconfigs([
      { file: "/a", doc: { clusters: [{ name: "c", cluster: { server: "https://a" } }] } },
      { file: "/b", doc: null },
      {
        file: "/c",
        doc: {
          clusters: [{ name: "c", cluster: { server: "https://c", "proxy-url": "http://p:1" } }],
          "current-context": "",
        },
      },
      { file: "/d", doc: { "current-context": "late" } },
    ]);
    expect(merged.clusters).toEqual([{ name: "c", cluster: { server: "https://a" } }]);
    expect(merged.origin.clusters.get("c")).toBe("/a");
    // An empty current-context sets nothing; the first non-empty one wins.
    expect(merged.currentContext).toBe("late");
  });

  it("refuses a document that is no mapping, and a list that is no list", () => {
    expect(() => mergeKubeconfigs([{ file: "/x", doc: ["a"] }])).toThrow(
      /kubeconfig \/x is not a kubeconfig/,
    );
    expect(() => mergeKubeconfigs([{ file: "/x", doc: { contexts: { a: 1 } } }])).toThrow(
      /kubeconfig \/x: 'contexts' is not a list/,
    );
  });
});
