import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

describe(".ci/run", () => {
  const script = readFileSync(join(REPO, ".ci/run"), "utf8");
  const readme = readFileSync(join(REPO, "README.md"), "utf8");

  it("runs the test command the README states, in a fresh clone outside the checkout", () => {
    const command = /^TEST_COMMAND='([^']+)'$/m.exec(script)?.[1];
    expect(command).toBe("npm ci && npm run lint && npm test");
    expect(readme).toContain(command);
    expect(script).toMatch(/git clone [^\n]*"\$repo" "\$workdir\/dev-bootstrap"/);
    expect(script).toMatch(/cd "\$workdir\/dev-bootstrap"\n[\s\S]*bash -c "\$TEST_COMMAND"/);
  });
});
