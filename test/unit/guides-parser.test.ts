import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectedLinePattern, mergeYaml, missingLines, parseGuide } from "../helpers/guides.js";

const guide = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "guide-")), "g.md");
  writeFileSync(file, text);
  return file;
};

describe("the guide test's reading of a guide", () => {
  it("commands, their expected output, files to write or merge, skipped blocks", () => {
    const steps = parseGuide(
      guide(
        [
          "1. Add it:",
          "",
          "   <!-- guide: write vault/fixtures/x.yaml -->",
          "   ```yaml",
          "   paths:",
          "     x/db: { A: b }",
          "   ```",
          "",
          "```bash",
          "dev-bootstrap summary   # the latest run",
          "dev-bootstrap a \\",
          "  --b",
          "```",
          "",
          "```",
          "run … OK",
          "```",
          "<!-- guide: skip needs tilt -->",
          "```bash",
          "tilt trigger x",
          "```",
        ].join("\n"),
      ),
    );
    expect(steps).toEqual([
      { kind: "write", line: 4, path: "vault/fixtures/x.yaml", text: "paths:\n  x/db: { A: b }\n" },
      {
        kind: "commands",
        line: 9,
        commands: ["dev-bootstrap summary   # the latest run", "dev-bootstrap a --b"],
        expect: ["run … OK"],
      },
      { kind: "skip", line: 19, reason: "needs tilt" },
    ]);
  });

  it("refuses a block it cannot classify", () => {
    expect(() => parseGuide(guide("```\nsome output\n```\n"))).toThrow(
      /g\.md:1: a fenced block the guide test cannot classify/,
    );
  });

  it("matches expected lines in order, with … wildcards, free spacing and any duration", () => {
    expect(
      expectedLinePattern("[vault:seed] ✔ Vault sync success (written 0, …) (14 ms)").test(
        "[vault:seed] ✔ Vault sync success (written 0, unchanged 3, paths 3) (1.2 s)",
      ),
    ).toBe(true);
    const out =
      "platform     ok   jdbc:x/platform as platform\nbilling  ok  jdbc:x/billing as billing";
    expect(missingLines(["platform ok …", "billing ok jdbc:…/billing as billing"], out)).toEqual(
      [],
    );
    expect(missingLines(["billing ok", "platform ok"], out)).toEqual(["platform ok"]);
  });

  it("merges YAML as a person adds to it: maps merged, new list items appended", () => {
    const merged = mergeYaml(
      "eso:\n  externalSecrets:\n    - { name: a, vaultPath: a/db }\n",
      "eso:\n  externalSecrets:\n    - { name: a, vaultPath: a/db }\n    - { name: b, vaultPath: b/db }\nnamespace: x\n",
    );
    expect(merged).toBe(
      "eso:\n  externalSecrets:\n    - name: a\n      vaultPath: a/db\n    - name: b\n      vaultPath: b/db\nnamespace: x\n",
    );
  });
});
