/** The Flyway connection precedence table both implementations are tested against. */
import { readFileSync } from "node:fs";

export interface PrecedenceCase {
  name: string;
  database: string;
  env: Record<string, string>;
  expect: { url?: string; user?: string; password?: string; missing?: boolean };
}

export const PRECEDENCE: PrecedenceCase[] = (
  JSON.parse(
    readFileSync(new URL("../fixtures/flyway-precedence.json", import.meta.url), "utf8"),
  ) as {
    cases: PrecedenceCase[];
  }
).cases;
