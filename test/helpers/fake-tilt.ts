/**
 * A `tilt` on PATH that behaves, at the edges post-start sees, as the real one does
 * (tilt-dev/tilt: internal/hud/server/apiserver.go, internal/cli/client/config.go,
 * pkg/model/api.go, internal/store/sessions/object.go):
 *
 * - `tilt up [--file F]` binds its web port (TILT_PORT, default 10350) first and
 *   exits 1 with Tilt's own "another process on port" message when it is taken;
 *   then serves its API on a port of its own and records that API under the name
 *   `tilt-default` (port 10350) or `tilt-<port>` in $HOME/.tilt-dev/config, where
 *   `tilt get` finds it. Its Session names the absolute Tiltfile and its pid.
 * - `tilt get session Tiltfile -o json` asks the API that config names for the port:
 *   "No tilt apiserver found: <name>" (exit 1) when none, "connection refused"
 *   (exit 1) when that Tilt is gone, else the Session as JSON.
 *
 * The port is real: a second Tilt, or any process holding the port, is refused by
 * the operating system, as it would be. Every call is recorded with its pid.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const net = require("node:net");
const http = require("node:http");
const dir = path.dirname(process.argv[1]);
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify({ argv, cwd: process.cwd(), pid: process.pid }) + "\\n");
const port = Number(process.env.TILT_PORT || 10350);
const name = port === 10350 ? "tilt-default" : "tilt-" + port;
const configFile = path.join(process.env.HOME, ".tilt-dev", "config");
const readConfig = () => { try { return JSON.parse(fs.readFileSync(configFile, "utf8")); } catch { return {}; } };
const sessionPath = "/apis/tilt.dev/v1alpha1/sessions/Tiltfile";

if (argv[0] === "up") {
  const i = argv.indexOf("--file");
  const tiltfile = path.resolve(i >= 0 ? argv[i + 1] : "Tiltfile");
  const web = net.createServer((s) => s.end());
  web.on("error", (e) => {
    if (e.code === "EADDRINUSE") {
      console.error("Tilt cannot start because you already have another process on port " + port);
      console.error("If you want to run multiple Tilt instances simultaneously,");
      console.error("use the --port flag or TILT_PORT env variable to set a custom port");
      console.error("Original error: listen tcp 127.0.0.1:" + port + ": bind: address already in use");
    } else console.error(String(e));
    process.exit(1);
  });
  web.listen(port, "127.0.0.1", () => {
    const api = http.createServer((req, res) => {
      if (process.env.FAKE_TILT_API === "mute") return; // accepts, never answers
      if (req.url !== sessionPath) { res.statusCode = 404; return res.end("{}"); }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({
        kind: "Session", apiVersion: "tilt.dev/v1alpha1", metadata: { name: "Tiltfile" },
        spec: { tiltfilePath: tiltfile, exitCondition: "manual" },
        status: { pid: process.pid, startTime: new Date().toISOString(), targets: [], done: false },
      }));
    });
    api.listen(0, "127.0.0.1", () => {
      fs.mkdirSync(path.dirname(configFile), { recursive: true });
      fs.writeFileSync(configFile, JSON.stringify({ ...readConfig(), [name]: "127.0.0.1:" + api.address().port }));
      console.log("Tilt started on http://localhost:" + port + "/");
    });
  });
} else if (argv[0] === "get" && argv[1] === "session") {
  const api = readConfig()[name];
  if (!api) { console.error("No tilt apiserver found: " + name); process.exit(1); }
  const [host, p] = api.split(":");
  http.get({ host, port: Number(p), path: sessionPath }, (res) => {
    let body = "";
    res.on("data", (d) => (body += d));
    res.on("end", () => { process.stdout.write(body + "\\n"); process.exit(res.statusCode === 200 ? 0 : 1); });
  }).on("error", (e) => {
    console.error('Get "https://' + api + sessionPath + '": dial tcp ' + api + ": connect: " + (e.code === "ECONNREFUSED" ? "connection refused" : e.code));
    process.exit(1);
  });
} else {
  console.error("fake tilt: unsupported: " + argv.join(" "));
  process.exit(2);
}
`;

export interface FakeTiltCall {
  argv: string[];
  cwd: string;
  pid: number;
}

export class FakeTilt {
  /** The directory holding `tilt` (put it first on PATH). */
  readonly dir: string;
  /** The HOME its config lives under (give the commands this HOME). */
  readonly home: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "fake-tilt-"));
    this.home = mkdtempSync(join(tmpdir(), "fake-tilt-home-"));
    writeFileSync(join(this.dir, "tilt"), SCRIPT);
    chmodSync(join(this.dir, "tilt"), 0o755);
  }

  path(base = process.env.PATH ?? ""): string {
    return `${this.dir}:${base}`;
  }

  calls(first?: string): FakeTiltCall[] {
    const file = join(this.dir, "calls.jsonl");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as FakeTiltCall)
      .filter((c) => !first || c.argv[0] === first);
  }

  /** Ends every `tilt up` this fake ran (test clean-up; only our own processes). */
  stopAll(): void {
    for (const c of this.calls("up")) {
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {}
    }
  }
}
