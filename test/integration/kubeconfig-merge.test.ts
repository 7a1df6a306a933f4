/**
 * KUBECONFIG with several files is read as kubectl reads it. Each case comes from the
 * Kubernetes documentation ("Organizing Cluster Access Using kubeconfig Files",
 * section "Merging kubeconfig files" and "File references") or from client-go's loader
 * (missing files skipped, a name listed twice in one file refused), and each is checked
 * twice: against what the documentation says, and against the real kubectl on the same
 * files (`kubectl config view --merge --flatten --raw`, `kubectl config current-context`).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/adapters/kube-config.js";
import { kubectlBinary } from "../helpers/helm.js";

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), "kubeconfig-merge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Files relative to the case's directory; `null` lists a file that does not exist. */
  files: Array<[string, string | null]>;
  /** KUBECONFIG as written (file names joined with ':'); default: the files in order. */
  kubeconfig?: string;
  context?: string;
  /** What the documentation says the merge gives. */
  expect: (view: View) => void;
}

/** What both readers agree on, normalised: per name, the fields a request uses. */
interface View {
  currentContext: string;
  contexts: Record<string, { cluster?: string; user?: string; namespace?: string }>;
  clusters: Record<string, { server?: string; proxyUrl?: string; ca?: string }>;
  users: Record<string, { token?: string; cert?: string }>;
}

const b64 = (file: string) => readFileSync(file).toString("base64");

function ours(kubeconfig: string, context?: string): View {
  const kc = loadKubeConfig({ KubeConfig }, { kubeconfig, context });
  const view: View = {
    currentContext: kc.getCurrentContext(),
    contexts: {},
    clusters: {},
    users: {},
  };
  for (const c of kc.getContexts())
    view.contexts[c.name] = strip({ cluster: c.cluster, user: c.user, namespace: c.namespace });
  for (const c of kc.getClusters())
    view.clusters[c.name] = strip({
      server: c.server,
      proxyUrl: c.proxyUrl,
      ca: c.caFile ? b64(c.caFile) : c.caData,
    });
  for (const u of kc.getUsers())
    view.users[u.name] = strip({ token: u.token, cert: u.certFile ? b64(u.certFile) : u.certData });
  return view;
}

async function kubectl(kubeconfig: string, cwd: string, context?: string): Promise<View> {
  const env = { PATH: process.env.PATH, HOME: cwd, KUBECONFIG: kubeconfig };
  const ctx = context ? [`--context=${context}`] : [];
  const { stdout } = await run(
    kubectlBinary(),
    ["config", "view", "--merge", "--flatten", "--raw", "-o", "json", ...ctx],
    { cwd, env },
  );
  const doc = JSON.parse(stdout) as {
    "current-context": string;
    clusters: Array<{ name: string; cluster: Record<string, string> }> | null;
    users: Array<{ name: string; user: Record<string, string> }> | null;
    contexts: Array<{ name: string; context: Record<string, string> }> | null;
  };
  const current = context
    ? context
    : (await run(kubectlBinary(), ["config", "current-context"], { cwd, env })).stdout.trim();
  const view: View = { currentContext: current, contexts: {}, clusters: {}, users: {} };
  for (const c of doc.contexts ?? [])
    view.contexts[c.name] = strip({
      cluster: c.context.cluster,
      user: c.context.user,
      namespace: c.context.namespace,
    });
  for (const c of doc.clusters ?? [])
    view.clusters[c.name] = strip({
      server: c.cluster.server,
      proxyUrl: c.cluster["proxy-url"],
      ca: c.cluster["certificate-authority-data"],
    });
  for (const u of doc.users ?? [])
    view.users[u.name] = strip({ token: u.user.token, cert: u.user["client-certificate-data"] });
  return view;
}

function strip<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ) as T;
}

const cluster = (name: string, server: string, extra = "") =>
  `  - name: ${name}\n    cluster:\n      server: ${server}\n${extra}`;
const user = (name: string, body: string) => `  - name: ${name}\n    user:\n${body}`;
const context = (name: string, c: string, u: string, extra = "") =>
  `  - name: ${name}\n    context: { cluster: ${c}, user: ${u}${extra} }\n`;
const config = (parts: {
  clusters?: string[];
  users?: string[];
  contexts?: string[];
  current?: string;
}) =>
  [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n${(parts.clusters ?? []).join("") || "  []\n"}`,
    `users:\n${(parts.users ?? []).join("") || "  []\n"}`,
    `contexts:\n${(parts.contexts ?? []).join("") || "  []\n"}`,
    parts.current ? `current-context: ${parts.current}` : "",
    "",
  ].join("\n");

const CASES: Case[] = [
  {
    name: "the first file to set current-context wins; a later file's is ignored",
    files: [
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example")],
          contexts: [context("a", "a", "u")],
          current: "a",
        }),
      ],
      [
        "two",
        config({
          clusters: [cluster("b", "https://b.example")],
          contexts: [context("b", "b", "u")],
          current: "b",
        }),
      ],
    ],
    expect: (v) => expect(v.currentContext).toBe("a"),
  },
  {
    name: "current-context comes from the first file that sets it, even the last one",
    files: [
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example")],
          contexts: [context("a", "a", "u")],
        }),
      ],
      ["two", config({ users: [user("u", "      token: from-two\n")] })],
      ["three", config({ contexts: [context("b", "a", "u")], current: "b" })],
    ],
    expect: (v) => {
      expect(v.currentContext).toBe("b");
      expect(v.users.u?.token).toBe("from-two");
    },
  },
  {
    name: "a cluster named in two files is the first file's, whole: its other fields are discarded",
    files: [
      [
        "one",
        config({
          clusters: [cluster("dev", "https://first.example")],
          contexts: [context("dev", "dev", "u")],
          current: "dev",
        }),
      ],
      [
        "two",
        config({
          clusters: [
            cluster(
              "dev",
              "https://second.example",
              "      proxy-url: http://proxy.example:3128\n",
            ),
            cluster("other", "https://other.example"),
          ],
        }),
      ],
    ],
    expect: (v) => {
      expect(v.clusters.dev).toEqual({ server: "https://first.example" });
      expect(v.clusters.other).toEqual({ server: "https://other.example" });
    },
  },
  {
    name: "two files with a red-user: only the first file's red-user, even its non-conflicting fields",
    files: [
      [
        "one",
        config({
          users: [user("red-user", "      token: red-token\n")],
          clusters: [cluster("a", "https://a.example")],
          contexts: [context("a", "a", "red-user")],
          current: "a",
        }),
      ],
      [
        "two",
        config({
          users: [
            user("red-user", "      token: other-token\n      client-certificate: two.crt\n"),
          ],
        }),
      ],
      ["two.crt", "not used\n"],
    ],
    expect: (v) => expect(v.users["red-user"]).toEqual({ token: "red-token" }),
  },
  {
    name: "a context named in two files is the first file's",
    files: [
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example"), cluster("b", "https://b.example")],
          contexts: [context("dev", "a", "u", ", namespace: first")],
          current: "dev",
        }),
      ],
      [
        "two",
        config({
          contexts: [context("dev", "b", "u", ", namespace: second"), context("extra", "b", "u")],
        }),
      ],
    ],
    expect: (v) => {
      expect(v.contexts.dev).toEqual({ cluster: "a", user: "u", namespace: "first" });
      expect(v.contexts.extra).toEqual({ cluster: "b", user: "u" });
    },
  },
  {
    name: "empty file names in the list are ignored, and so are files that do not exist",
    files: [
      ["missing", null],
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example")],
          contexts: [context("a", "a", "u")],
          current: "a",
        }),
      ],
    ],
    kubeconfig: `${delimiter}missing${delimiter}${delimiter}one${delimiter}`,
    expect: (v) => expect(v.clusters.a).toEqual({ server: "https://a.example" }),
  },
  {
    name: "an empty file counts as a file with nothing in it",
    files: [
      ["empty", ""],
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example")],
          contexts: [context("a", "a", "u")],
          current: "a",
        }),
      ],
    ],
    expect: (v) => expect(v.currentContext).toBe("a"),
  },
  {
    name: "file references are relative to the file that holds them",
    files: [
      [
        "x/one",
        config({
          clusters: [cluster("a", "https://a.example", "      certificate-authority: ca.crt\n")],
          contexts: [context("a", "a", "u")],
          current: "a",
        }),
      ],
      ["x/ca.crt", "CA of x\n"],
      ["y/two", config({ users: [user("u", "      client-certificate: certs/u.crt\n")] })],
      ["y/certs/u.crt", "certificate of y\n"],
      ["ca.crt", "a decoy where the process runs\n"],
    ],
    expect: (v) => {
      expect(Buffer.from(v.clusters.a!.ca!, "base64").toString()).toBe("CA of x\n");
      expect(Buffer.from(v.users.u!.cert!, "base64").toString()).toBe("certificate of y\n");
    },
  },
  {
    name: "--context chooses over the merged current-context",
    files: [
      [
        "one",
        config({
          clusters: [cluster("a", "https://a.example"), cluster("b", "https://b.example")],
          contexts: [context("a", "a", "u"), context("b", "b", "u")],
          current: "a",
        }),
      ],
    ],
    context: "b",
    expect: (v) => expect(v.currentContext).toBe("b"),
  },
];

function lay(c: Case, index: number): { dir: string; kubeconfig: string } {
  const dir = join(root, `case-${index}`);
  for (const [file, text] of c.files) {
    if (text === null) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(dir, { recursive: true });
  const listed =
    c.kubeconfig ??
    c.files
      .filter(([f]) => !f.endsWith(".crt"))
      .map(([f]) => f)
      .join(delimiter);
  // Absolute paths: the process running the test does not run in the case's directory.
  const kubeconfig = listed
    .split(delimiter)
    .map((f) => (f ? join(dir, f) : f))
    .join(delimiter);
  return { dir, kubeconfig };
}

describe("KUBECONFIG with several files: merged as the Kubernetes documentation and kubectl say", () => {
  CASES.forEach((c, index) => {
    it(c.name, async () => {
      const { dir, kubeconfig } = lay(c, index);
      const mine = ours(kubeconfig, c.context);
      c.expect(mine);
      expect(mine).toEqual(await kubectl(kubeconfig, dir, c.context));
    });
  });
});

describe("kubeconfig files kubectl refuses are refused, naming the file", () => {
  it("a cluster listed twice in the same file", async () => {
    const dir = join(root, "dup");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "config");
    writeFileSync(
      file,
      config({
        clusters: [cluster("x", "https://1.example"), cluster("x", "https://2.example")],
        contexts: [context("x", "x", "u")],
        current: "x",
      }),
    );
    await expect(kubectl(file, dir)).rejects.toThrow(/duplicate name "x"/);
    expect(() => ours(file)).toThrow(
      /kubeconfig .*\/dup\/config: cluster 'x' is listed twice in the same file/,
    );
  });

  it("a file that is not YAML, without quoting its content (it may hold a token)", async () => {
    const dir = join(root, "bad");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "config");
    writeFileSync(file, "users:\n  - name: u\n    user: { token: s3cret-token\n");
    await expect(kubectl(file, dir)).rejects.toThrow(/error loading config file/);
    let message = "";
    try {
      ours(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/kubeconfig .*\/bad\/config is not valid YAML/);
    expect(message).not.toContain("s3cret-token");
  });
});

describe("a context that leads nowhere is named before any request", () => {
  const dir = join(root, "nowhere");
  const write = (name: string, text: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("no current-context in any file and none chosen", () => {
    const file = write(
      "none",
      config({ clusters: [cluster("a", "https://a.example")], contexts: [context("a", "a", "u")] }),
    );
    expect(() => ours(file)).toThrow(/the kubeconfig sets no current-context .* \(have: a\)/);
  });

  it("a current-context naming a context no file defines", () => {
    const file = write("ghost", config({ contexts: [context("a", "a", "u")], current: "gone" }));
    expect(() => ours(file)).toThrow(/no context 'gone' in the kubeconfig \(have: a\)/);
  });

  it("a context naming a cluster no file defines", () => {
    const file = write("orphan", config({ contexts: [context("a", "nope", "u")], current: "a" }));
    expect(() => ours(file)).toThrow(
      /context 'a' names cluster 'nope', which the kubeconfig does not define/,
    );
  });

  it("every file listed is missing", () => {
    expect(() => ours(`${join(dir, "no-1")}${delimiter}${join(dir, "no-2")}`)).toThrow(
      /no kubeconfig: none of the files listed exists/,
    );
  });
});

describe("a user's tokenFile (kubectl's key; client-node has none)", () => {
  it("is read relative to its own file, trimmed as client-go trims it", () => {
    const dir = join(root, "token-file");
    mkdirSync(join(dir, "creds"), { recursive: true });
    writeFileSync(join(dir, "creds/token"), "t0ken-from-file\n");
    const file = join(dir, "config");
    writeFileSync(
      file,
      config({
        clusters: [cluster("a", "https://a.example")],
        users: [
          user("u", "      tokenFile: creds/token\n"),
          user("unused", "      tokenFile: gone\n"),
        ],
        contexts: [context("a", "a", "u")],
        current: "a",
      }),
    );
    expect(ours(file).users.u).toEqual({ token: "t0ken-from-file" });
  });
});
