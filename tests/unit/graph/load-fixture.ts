import { readFileSync } from "node:fs";

/** A workflow fixture from tests/fixtures/workflows, parsed as plain JSON. */
export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/workflows/${name}.json`, import.meta.url), "utf8"));
}
