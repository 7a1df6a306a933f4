import { describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { makeWorkspace } from "../helpers/workspace.js";

const AZ =
  "# Setup\n\n```bash\naz keyvault secret set --vault-name kv --name flyway-url --value x\n```\n";

describe("dev-bootstrap lint-docs", () => {
  it("never scans the configured state folder (the run's own files), whatever it is called", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "stateDir: .run-state\n",
      "docs/setup.md": AZ,
      // A copy the run kept of something it replaced: not the repository's docs.
      ".run-state/backups/setup.md": AZ,
    });
    const r = await runCli(["lint-docs", "--json"], { cwd: ws.dir, env: cleanEnv() });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { files: number; findings: Array<{ file: string }> };
    expect(report.findings.map((f) => f.file)).toEqual(["docs/setup.md"]);
    expect(report.files).toBe(2); // docs/setup.md and dev-bootstrap.yaml
  });
});
