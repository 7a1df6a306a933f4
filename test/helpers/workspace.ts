/** Throwaway workspaces: a config file and fixture files in a temp directory. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Workspace {
  dir: string;
  write(relative: string, text: string | Uint8Array): string;
  read(relative: string): string;
  journal(): string;
}

export function makeWorkspace(files: Record<string, string> = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "dbws-"));
  const ws: Workspace = {
    dir,
    write(relative, text) {
      const file = join(dir, relative);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    read(relative) {
      return readFileSync(join(dir, relative), "utf8");
    },
    journal() {
      try {
        return readFileSync(join(dir, ".dev-bootstrap/journal.jsonl"), "utf8");
      } catch {
        return "";
      }
    },
  };
  for (const [k, v] of Object.entries(files)) ws.write(k, v);
  return ws;
}

export const FAST_CONFIG = "vault:\n  readyTimeoutSeconds: 2\n";

/** Two databases whose credentials live in DATABASE_URL templates, as the Kubernetes-facing tests use. */
export const DB_URL_FIXTURES = `paths:
  platform/db:
    DB_USERNAME: platform
    DB_PASSWORD: { derive: { length: 24 } }
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@db:5432/platform" }
  agents/db:
    DB_USERNAME: agents
    DB_PASSWORD: { derive: { length: 24 } }
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@db:5432/agents" }
`;

/** Two databases whose credentials live in separate keys, served on 127.0.0.1:<port>. */
export const dbPartsFixtures = (port: number) => `paths:
  platform/db:
    DB_USERNAME: platform
    DB_PASSWORD: { derive: { length: 24, alphabet: strong } }
    DB_HOST: "127.0.0.1"
    DB_PORT: "${port}"
    DB_NAME: platform
  agents/db:
    DB_USERNAME: agents
    DB_PASSWORD: { derive: { length: 24, alphabet: strong } }
    DB_HOST: "127.0.0.1"
    DB_PORT: "${port}"
    DB_NAME: agents
`;
