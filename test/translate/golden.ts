// Golden conversion fixtures, one folder per mapping rule (see fixtures.ts for the layout). A diff fails;
// `make golden` (SWITCHYARD_UPDATE_GOLDEN=1) rewrites the goldens and deletes stale ones. Review a golden
// diff as code: it is the translator's behaviour.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AnyTranslator } from "../../runtime/translate/translator.ts";
import { runFixture } from "./fixtures.ts";

const UPDATE = process.env.SWITCHYARD_UPDATE_GOLDEN === "1" && process.env.CI !== "true";
const GOLDEN_NAMES = ["upstream-request.json", "problem.json", "translation.json", "client-response.json", "client-stream.sse"];
const fixturesDir = path.join(import.meta.dirname, "fixtures");

/** One test per fixture folder under test/translate/fixtures/<id>/. */
export function describeGoldenFixtures(id: string, translator: AnyTranslator): void {
  const dir = path.join(fixturesDir, id);
  const rules = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  describe(`translation fixtures ${id}`, () => {
    it("has fixtures", () => expect(rules.length).toBeGreaterThan(0));
    it.each(rules)("%s", (rule) => {
      const ruleDir = path.join(dir, rule);
      const { files } = runFixture(translator, ruleDir);
      if (UPDATE) {
        for (const name of GOLDEN_NAMES) if (!files.has(name)) rmSync(path.join(ruleDir, name), { force: true });
        for (const [name, content] of files) writeFileSync(path.join(ruleDir, name), content);
        return;
      }
      for (const name of GOLDEN_NAMES) {
        const file = path.join(ruleDir, name);
        const expected = existsSync(file) ? readFileSync(file, "utf8") : undefined;
        expect(files.get(name), `${id}/${rule}/${name}`).toBe(expected);
      }
    });
  });
}
