// `npm run build`: bundles every entrypoint in src/bin with esbuild.
//
// Why a bundler: loading @kubernetes/client-node file by file (800+ modules)
// costs 0.5–1.4 s per process on small machines; as one file it is ~0.1 s. Every
// ESM module costs a start on its own too (fetched, linked and evaluated apart), so
// a command loads few, each whole:
// - dist/bin/<command>.js, the entrypoint: argv, --help and --version, with no
//   dependency (bench P1);
// - dist/run/<command>.js, the command's whole run (config, logging, flows, pg, yaml,
//   zod, pino), which the entrypoint imports past --help;
// - dist/vendor/*.js, the libraries a run loads only on first use (the Kubernetes
//   client, execa, chokidar).
// tsc only type-checks.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// `--clean` is npm pack's prepack (package.json).
const clean = process.argv.includes("--clean");
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// For bench/patches.mjs, which times each patch of a dependency against the same build
// without it: `--without=pg-on-node,...` leaves those out, `--outdir=DIR` builds elsewhere.
const without = new Set(option("without")?.split(",") ?? []);
const outdir = option("outdir") ?? "dist";

/**
 * The build needs the devDependencies (esbuild, and the packages it bundles). In a
 * fresh clone there are none: `npm pack` (the prepack) installs them with `npm ci`
 * first, so packing needs no step of its own; `npm run build` says what is missing.
 * npm ci's output goes to stderr: `npm pack --json` keeps its stdout for the JSON.
 */
function esbuildInstalled() {
  try {
    createRequire(join(root, "package.json")).resolve("esbuild");
    return true;
  } catch {
    return false;
  }
}
if (!esbuildInstalled()) {
  if (!clean) {
    console.error("build: esbuild is not installed (no node_modules: a fresh clone?)");
    console.error("  hint: run 'npm ci' first; 'npm pack' does that by itself");
    process.exit(1);
  }
  console.error("build: installing the devDependencies the bundle is made from (npm ci)");
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
  if (ci.status !== 0 || !esbuildInstalled()) {
    console.error(`build: npm ci failed (${ci.error?.message ?? `exit ${ci.status}`})`);
    console.error("  hint: run 'npm ci' in the checkout (it needs the registry or a filled npm cache), then pack again");
    process.exit(1);
  }
}
const { build } = await import("esbuild");
const binDir = join(root, "src/bin");
// Every src/bin/<name>.ts is a command and builds to dist/bin/<name>.js.
const entryPoints = readdirSync(binDir)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => ({ in: join(binDir, f), out: `bin/${basename(f, ".ts")}` }));

// Stay out of the bundle, loaded from node_modules at run time:
// - pg-native: pg's optional native binding (`require("pg-native")` only when asked for);
// - bufferutil / utf-8-validate: ws's optional native add-ons, required inside try/catch.
// Everything else bundles. pino bundles because we give it a destination object;
// pino.transport() would start worker threads from files next to pino's own, which a
// bundle does not have: refuse to build if the sources start using transports.
const external = ["pg-native", "bufferutil", "utf-8-validate"];
for (const file of readdirSync(join(root, "src"), { recursive: true })) {
  if (!String(file).endsWith(".ts")) continue;
  const text = readFileSync(join(root, "src", String(file)), "utf8");
  if (/\btransports?\s*[:(]/.test(text) && /from "pino"/.test(text)) {
    console.error(`build: src/${file} uses pino transports, which run worker files a bundle does not ship;`);
    console.error("  hint: log through a destination stream, or mark pino external in scripts/build.mjs");
    process.exit(1);
  }
}

// node-fetch 2 (under @kubernetes/client-node) takes URL from node:url and keeps
// whatwg-url only as a fallback for runtimes without one; Node always has it, and
// whatwg-url's Unicode tables (tr46, ~300 KB) would be parsed on every Kubernetes call.
// Measured by bench/patches.mjs (2026-12-07, Node 20.20, 2 cores at load average 10–14
// from other work, so ratios to node -e 0 wander; CPU time holds): loading the
// Kubernetes client took 419 ms without this patch, 387 ms with it (5.01× / 4.42×
// node -e 0), the import's own CPU 141 / 110 ms; earlier runs 399 / 377 ms and
// 446 / 427 ms; post-start's rerun 1325 / 1207 ms (13.62× / 12.66×). About 20–30 ms
// per start of every command that talks to Kubernetes.
const nodeFetchWithNodeUrl = {
  name: "node-fetch-with-node-url",
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, (args) =>
      /[\\/]node_modules[\\/]node-fetch[\\/]/.test(args.importer)
        ? { path: "whatwg-url", namespace: "node-url" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "node-url" }, () => ({
      contents: 'module.exports = { URL: require("node:url").URL };',
      loader: "js",
    }));
  },
};

// pg decides whether it runs on Cloudflare Workers when it first connects: without a
// `navigator` global (Node 20) it builds a fetch Response to find out, which makes Node
// load its fetch implementation. We run on Node only: answer "no" directly.
// Measured by bench/patches.mjs (as above): flyway-status over P5's 2 databases took
// 630 ms without this patch, 549 ms with it (CPU 236 / 207 ms); two more runs 849 / 772
// and 630 / 564 ms (CPU 289 / 255, 283 / 251 ms). About 30 ms of CPU and 65–80 ms per
// start of every command that logs in to PostgreSQL (ratios: 8.04× / 9.43×,
// 8.25× / 8.54×, 6.85× / 6.45× node -e 0, the load moving node -e 0 more than these).
const pgOnNode = {
  name: "pg-on-node",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const probe = "if (typeof Response === 'function') {";
      if (!text.includes(probe))
        throw new Error(`${args.path} changed: re-check the Cloudflare probe in scripts/build.mjs`);
      return { contents: text.replace(probe, "if (false) {"), loader: "js" };
    });
  },
};

// @kubernetes/client-node imports socks-proxy-agent (with socks and ip-address) at load
// time, but uses it only for a kubeconfig cluster with a socks proxy-url. It now loads
// on first use. The build checks that the client still does nothing with it but
// construct one. Measured by bench/patches.mjs (as above): loading the Kubernetes
// client took 411 ms without this patch, 387 ms with it (4.68× / 4.42× node -e 0), the
// import's own CPU 127 / 110 ms (by hand, 25 runs each, twice: 109–116 / 88–90 ms).
// About 20 ms of CPU per start of every command that talks to Kubernetes; its
// wall-clock figure is less steady at that load (other runs 451 / 427 and 361 / 377 ms).
const lazySocksProxyAgent = {
  name: "lazy-socks-proxy-agent",
  setup(b) {
    b.onResolve({ filter: /^socks-proxy-agent$/ }, (args) =>
      args.namespace === "file" &&
      /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/.test(args.importer)
        ? { path: args.importer, namespace: "lazy-socks" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-socks" }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const all = text.match(/\bSocksProxyAgent\b/g)?.length ?? 0;
      const constructed = text.match(/\bnew SocksProxyAgent\(/g)?.length ?? 0;
      if (all !== constructed + 1)
        throw new Error(
          `${args.path}: uses SocksProxyAgent beyond 'new SocksProxyAgent(...)'; re-check lazy-socks-proxy-agent in scripts/build.mjs`,
        );
      return {
        contents:
          'export class SocksProxyAgent { constructor(...args) { const { SocksProxyAgent: Agent } = require("socks-proxy-agent"); return new Agent(...args); } }',
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};

// Bundled CommonJS packages call require() for Node built-ins: esbuild's __require (in
// its runtime chunk) needs a module-scoped `require`, which this banner makes in every
// output. Taking it out again where a chunk never uses `require` (and its two lines out
// of that chunk's source map) went: bench/patches.mjs measured no saving beyond the
// noise (CPU per start without the step minus with it, three runs: flyway-status +16,
// +8, −21 ms; post-start's rerun +29, +4, −9 ms; `--help`, where a module's fixed
// costs weigh most, 40 rounds: ensure-local-secrets 0.0 ms, dev-bootstrap +1.5 ms,
// wall-clock 0.93× and 0.98× of the stripped build's), and it tracked esbuild's output.
const REQUIRE_BANNER = [
  'import { createRequire as __devBootstrapCreateRequire } from "node:module";',
  "const require = __devBootstrapCreateRequire(import.meta.url);",
].join("\n");

// Libraries a run loads only on first use, each a file of its own in dist/vendor/, which
// both the entrypoints' chunks and the commands' bundles import (by import(), so only
// when used): the Kubernetes client (about a megabyte with its dependencies, named
// parts only: src/adapters/kube-client.ts), execa (Tilt's detached start) and chokidar
// (the fixture watcher). A command that never uses them does not parse them, in its
// bundle least of all (a bundle parses every module it holds, evaluated or not).
const VENDOR = {
  [join(root, "src/adapters/kube-client.ts")]: "kube-client",
  execa: "execa",
  chokidar: "chokidar",
};
const vendorFiles = {
  name: "vendor-files",
  setup(b) {
    b.onResolve({ filter: /^(execa|chokidar|\.\/kube-client\.js)$/ }, (args) => {
      if (args.kind !== "dynamic-import" || !args.importer.startsWith(join(root, "src"))) return;
      const key =
        args.path === "./kube-client.js" ? join(dirname(args.importer), "kube-client.ts") : args.path;
      const name = VENDOR[key];
      return name ? { path: `../vendor/${name}.js`, external: true } : undefined;
    });
  },
};

const patches = [nodeFetchWithNodeUrl, pgOnNode, lazySocksProxyAgent];
for (const name of without) {
  if (!patches.some((p) => p.name === name)) {
    console.error(`build: --without=${name}: no such patch (${patches.map((p) => p.name).join(", ")})`);
    process.exit(2);
  }
}

// `--clean` (npm pack) starts from an empty dist/. Otherwise each file is replaced in
// place (below): no name carries a hash, so a command that keeps running (the fixture
// watcher under Tilt) and loads a library from dist/vendor/ late finds it after a
// rebuild, the rebuilt one (a library's file holds no code of ours).
const dist = resolve(root, outdir);
if (clean) rmSync(dist, { recursive: true, force: true });
const shared = {
  absWorkingDir: root,
  outdir: dist,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  // Less source text to read, parse and hold: about a third off the Kubernetes chunk.
  // Identifiers stay, so a stack trace is readable even without its source map.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  // Stack traces name src/ files; the maps do not need to embed the sources.
  sourcesContent: false,
  // Bundled CommonJS packages call require() for Node built-ins and read __dirname.
  banner: { js: REQUIRE_BANNER },
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  // Written below, once all three builds have succeeded (write-outputs).
  write: false,
};
const plugins = patches.filter((p) => !without.has(p.name));
// In an entrypoint, a command's `run` never runs (its bundle runs it): what `run` imports
// stays out of the entrypoint, and importing it there would say so.
const runOnlyInBundle = {
  name: "run-only-in-bundle",
  setup(b) {
    b.onResolve({ filter: /^\.\.\// }, (args) =>
      args.kind === "dynamic-import" &&
      dirname(args.importer) === binDir &&
      args.path !== "../cli/run.js"
        ? { path: `${relative(root, args.importer)}: ${args.path}`, namespace: "run-only-in-bundle" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "run-only-in-bundle" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is imported by the command's run, which runs in dist/run/, not in its entrypoint`)});`,
      loader: "js",
    }));
  },
};

// dist/bin/<command>.js: each command's entrypoint (argv, --help, --version) as one
// module, which past --help imports the command's bundle (src/cli/run.ts).
const result = await build({
  ...shared,
  entryPoints,
  splitting: false,
  define: { DEV_BOOTSTRAP_BUILD: '"entry"' },
  plugins: [...plugins, vendorFiles, runOnlyInBundle],
});

// dist/run/<command>.js: each command's run as one module, which its entrypoint imports
// once past --help (src/cli/run.ts). The code-split layout before it loaded a run from
// dozens of chunks, one import() after another (flyway-status: 34 files, now 3). On
// one 2-core machine, alternating the two builds: bench/run.mjs P5 5.92×, 6.16×, 5.83×
// with chunks and 5.18×, 5.84×, 5.33× as one module; P2 10.19× and 9.72×; 31 paired
// runs of P5's flyway-status, 8 ms less wall and CPU time at the median. A module in a
// command's bundle is evaluated on first use, as in the chunks; the libraries few runs
// need are outside it (vendor-files above).
const commands = entryPoints.map((e) => basename(e.in, ".ts")).filter((n) => n !== "dev-bootstrap");
const commandBundles = {
  name: "command-bundles",
  setup(b) {
    b.onResolve({ filter: /^command-bundle:/ }, (args) => ({
      path: args.path.slice("command-bundle:".length),
      namespace: "command-bundle",
    }));
    b.onLoad({ filter: /.*/, namespace: "command-bundle" }, (args) => ({
      contents: [
        `import { command } from ${JSON.stringify(join(binDir, `${args.path}.ts`))};`,
        `import { runCommand } from ${JSON.stringify(join(root, "src/cli/run.ts"))};`,
        // The entrypoint's runMain built the io and waits for the output to drain.
        "export const main = (io) => runCommand(command, io);",
      ].join("\n"),
      loader: "js",
      resolveDir: root,
    }));
  },
};
const runtime = await build({
  ...shared,
  entryPoints: commands.map((name) => ({ in: `command-bundle:${name}`, out: `run/${name}` })),
  splitting: false,
  define: { DEV_BOOTSTRAP_BUILD: '"runtime"' },
  plugins: [...plugins, vendorFiles, commandBundles],
});

// dist/vendor/: the libraries loaded on first use (vendor-files above).
const vendor = await build({
  ...shared,
  entryPoints: Object.entries(VENDOR).map(([from, name]) => ({ in: from, out: `vendor/${name}` })),
  splitting: false,
  plugins,
});

// `import { z } from "zod/mini"` keeps all of zod's ~60 locales (~400 KB) in the bundle;
// `import * as z from "zod/mini"` keeps only the English one src/core/zod-english.ts loads.
const outputs = { ...result.metafile.outputs, ...runtime.metafile.outputs, ...vendor.metafile.outputs };
const bundled = Object.values(outputs).flatMap((o) =>
  Object.entries(o.inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([f]) => f),
);
const locales = bundled.filter((f) => /zod[\\/]v4[\\/]locales[\\/](?!en\.js$|index\.js$)/.test(f));
if (locales.length) {
  console.error(`build: zod's locales are in the bundle (${locales.length} files)`);
  console.error('  hint: import zod as a namespace: import * as z from "zod/mini"');
  process.exit(1);
}

const built = new Set(Object.keys(outputs).map((f) => relative(dist, join(root, f))));

// Nothing is written until the three builds have succeeded: a build that fails (a flow
// that does not compile) leaves the previous dist/ whole. Then the libraries, the
// commands' bundles, and the entrypoints last, dist/bin/dev-bootstrap.js at the very
// end: scripts/lib/ensure-built.sh takes that file's time as the build's, so a build
// stopped halfway is seen as stale and runs again. Each file replaces the old one by
// rename, so a running command that loads a file late (the fixture watcher reaching
// dist/vendor/kube-client.js) reads a whole file, never a half-written one.
mkdirSync(dist, { recursive: true });
// Node looks up the nearest package.json of every module it loads to learn its type;
// one right here answers for dist/ without reading the (larger) package.json above.
writeFileSync(join(dist, "package.json"), '{ "type": "module" }\n');
const stamp = join(dist, "bin/dev-bootstrap.js");
const files = [vendor, runtime, result]
  .flatMap((r) => r.outputFiles)
  .sort((a, b) => Number(a.path === stamp) - Number(b.path === stamp));
for (const file of files) {
  mkdirSync(dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  // An entrypoint starts with #!: executable, as esbuild itself would write it.
  writeFileSync(temporary, file.contents, { mode: file.text.startsWith("#!") ? 0o755 : 0o644 });
  renameSync(temporary, file.path);
}

// Anything else in dist/ is left from an older build (tsc's per-file output, the
// chunks of the code-split layout, a command since removed): gone, so nothing can
// depend on it by accident.
for (const entry of readdirSync(dist)) {
  if (!["bin", "run", "vendor", "package.json"].includes(entry))
    rmSync(join(dist, entry), { recursive: true, force: true });
}
for (const dir of ["bin", "run", "vendor"]) {
  for (const entry of readdirSync(join(dist, dir))) {
    if (!built.has(`${dir}/${entry}`)) rmSync(join(dist, dir, entry), { force: true });
  }
}

const js = Object.entries(outputs).filter(([f]) => f.endsWith(".js"));
const kb = js.reduce((sum, [, o]) => sum + o.bytes, 0) / 1024;
// On stderr when packing: `npm pack --json` prints its JSON on stdout after the prepack's output.
(clean ? console.error : console.log)(
  `built ${entryPoints.length} entrypoints into ${relative(root, dist) || "."}/ (${js.length} files, ${kb.toFixed(0)} KiB)`,
);
