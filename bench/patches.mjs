// `node bench/patches.mjs [patch ...]`: what each patch scripts/build.mjs makes to a
// dependency saves. For each, the build with every patch and the same build without
// that one (`--without=<patch>`) run the command the patch is for, in rounds with
// `node -e 0` (see rounds() in lib.mjs); the figure is ms per start and × node -e 0.
// The figures in scripts/build.mjs's comments come from here. Not a budget: no verdict.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  FLYWAY_WORLD_SUMMARY,
  flywayWorld,
  keptSandbox,
  loadSupport,
  median,
  rounds,
  run,
  tempDir,
} from "./lib.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const builds = join(repo, "node_modules/.cache/dev-bootstrap-bench/builds");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

// Beside the wall-clock figure, each command's own CPU time (user + system), which a
// busy machine moves far less: a probe preloaded with --require prints it at exit.
const probe = join(tempDir("bench-patches-"), "cpu-probe.cjs");
writeFileSync(
  probe,
  'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write(`\\n@@cpu ${(u.user + u.system) / 1000}\\n`); });\n',
);
const cpu = {};
async function timed(name, bin, args, options) {
  const p = await run(node, ["--require", probe, bin, ...args], options);
  const used = /@@cpu ([\d.]+)/.exec(p.out);
  if (!used) throw new Error(`${name}: no CPU figure:\n${p.out}`);
  if (!cpu[name]) cpu[name] = [];
  cpu[name].push(Number(used[1]));
  return p;
}

// Builds under node_modules/, so that the few externals (pg-native…) resolve as from dist/.
function buildVariant(name, without) {
  const outdir = join(builds, name);
  const r = spawnSync(
    node,
    [
      join(repo, "scripts/build.mjs"),
      `--outdir=${outdir}`,
      ...(without ? [`--without=${without}`] : []),
    ],
    { cwd: repo, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`build ${name} failed:\n${r.stderr}${r.stdout}`);
  return join(outdir, "bin/dev-bootstrap.js");
}

/** The file a build made of the Kubernetes client (src/adapters/kube-client.ts). */
function kubeClientFile(bin) {
  return join(bin, "../../vendor/kube-client.js");
}

// The command each patch is for: the Kubernetes ones with loading the Kubernetes client
// (what every command that talks to Kubernetes loads) and post-start's rerun (P2), pg's
// with flyway-status (P5).
const workloads = {
  async "kube-load"(bins) {
    return await rounds(
      ROUNDS,
      Object.fromEntries(
        Object.entries(bins).map(([name, bin]) => {
          // Its CPU figure is the import's own (printed before the probe's, which counts
          // Node's start-up too): the part of a start the Kubernetes patches act on.
          const code = `const c0 = process.cpuUsage(); await import(${JSON.stringify(kubeClientFile(bin))}); const c = process.cpuUsage(c0); process.stderr.write(\`\\n@@cpu \${(c.user + c.system) / 1000}\\n\`);`;
          return [
            name,
            async () => (await timed(name, "--input-type=module", ["-e", code], { cwd: repo })).ms,
          ];
        }),
      ),
    );
  },
  async rerun(bins) {
    const sandbox = await keptSandbox(repo, join(repo, "dist/bin/dev-bootstrap.js"));
    try {
      return await rounds(
        ROUNDS,
        Object.fromEntries(
          Object.entries(bins).map(([name, bin]) => [
            name,
            async () => {
              const p = await timed(name, bin, ["post-start", "--no-tilt"], {
                cwd: repo,
                env: sandbox.env,
              });
              if (!/Vault sync success \(written 0/.test(p.out))
                throw new Error(`${name}: not a rerun with nothing to write:\n${p.out}`);
              return p.ms;
            },
          ]),
        ),
      );
    } finally {
      await sandbox.stop();
    }
  },
  async "flyway-status"(bins) {
    const world = await flywayWorld(await loadSupport(repo));
    try {
      return await rounds(
        ROUNDS,
        Object.fromEntries(
          Object.entries(bins).map(([name, bin]) => [
            name,
            async () => {
              const p = await timed(
                name,
                bin,
                ["flyway-status", "--from", "env", "--allow-pending"],
                {
                  cwd: world.dir,
                  env: world.env,
                },
              );
              if (!FLYWAY_WORLD_SUMMARY.test(p.out))
                throw new Error(`${name}: unexpected flyway-status output:\n${p.out}`);
              return p.ms;
            },
          ]),
        ),
      );
    } finally {
      await world.stop();
    }
  },
};

const PATCHES = {
  "node-fetch-with-node-url": ["kube-load", "rerun"],
  "pg-on-node": ["flyway-status"],
  "lazy-socks-proxy-agent": ["kube-load", "rerun"],
};
const only = process.argv.slice(2);
const chosen = Object.keys(PATCHES).filter((p) => only.length === 0 || only.includes(p));
for (const p of only)
  if (!PATCHES[p]) throw new Error(`no patch ${p} (${Object.keys(PATCHES).join(", ")})`);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(`node ${process.version}, load average ${load()}; ${ROUNDS} rounds each`);
const bins = { "every patch": buildVariant("all") };
for (const p of chosen) bins[`without ${p}`] = buildVariant(`without-${p}`, p);

// BENCH_WORKLOADS=kube-load,… runs only those.
const chosenWorkloads = process.env.BENCH_WORKLOADS?.split(",") ?? Object.keys(workloads);
for (const workload of chosenWorkloads) {
  const these = chosen.filter((p) => PATCHES[p].includes(workload));
  if (these.length === 0) continue;
  const measured = await workloads[workload](
    Object.fromEntries(
      Object.entries(bins).filter(
        ([n]) => n === "every patch" || these.some((p) => n === `without ${p}`),
      ),
    ),
  );
  const cpuOf = (name) => median(cpu[name].splice(0)).toFixed(1);
  const all = measured["every patch"];
  const base = measured["node -e 0"];
  console.log(`\n${workload} (node -e 0: ${base.ms.toFixed(1)} ms; load average ${load()})`);
  console.log(
    `  every patch: ${all.ms.toFixed(1)} ms, ${all.ratio.toFixed(2)}× (CPU ${cpuOf("every patch")} ms)`,
  );
  for (const p of these) {
    const w = measured[`without ${p}`];
    console.log(
      `  without ${p}: ${w.ms.toFixed(1)} ms, ${w.ratio.toFixed(2)}× (CPU ${cpuOf(`without ${p}`)} ms) — the patch saves ${(w.ms - all.ms).toFixed(1)} ms per start, ${(w.ratio - all.ratio).toFixed(2)}× node -e 0`,
    );
  }
}
