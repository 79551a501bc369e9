// lib/index.d.ts, the package's published types, is emitted from runtime/library/api.ts (generator/library-types.ts)
// and committed, as goldens are: this fails when the committed file is not what the sources emit, and
// `make golden` (SWITCHYARD_UPDATE_GOLDEN=1, never under CI) rewrites it. Review its diff as the public API.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { emitLibraryTypes, LIBRARY_TYPES_FILE, LIBRARY_TYPES_SOURCE } from "../../generator/library-types.ts";
import { root } from "../support/gateway.ts";

const UPDATE = process.env.SWITCHYARD_UPDATE_GOLDEN === "1" && process.env.CI !== "true";
const committed = path.join(root, LIBRARY_TYPES_FILE);

/** The names a `.d.ts` exports, sorted. */
function exportedNames(text: string): string[] {
  const file = ts.createSourceFile("index.d.ts", text, ts.ScriptTarget.ES2022);
  return file.statements
    .filter((s) => ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    .map((s) => (s as ts.DeclarationStatement).name!.getText(file))
    .sort();
}

describe(LIBRARY_TYPES_FILE, () => {
  it(`is what ${LIBRARY_TYPES_SOURCE} emits`, () => {
    const emitted = emitLibraryTypes(root);
    if (UPDATE) writeFileSync(committed, emitted);
    expect(readFileSync(committed, "utf8"), `${LIBRARY_TYPES_FILE} is not what ${LIBRARY_TYPES_SOURCE} emits: run \`make golden\` and review the diff`).toBe(emitted);
  });

  it("exports the names programs import from \"switchyard\", and only those", () => {
    expect(exportedNames(readFileSync(committed, "utf8"))).toEqual(
      [
        "CreateGatewayOptions",
        "Gateway",
        "GatewayFromBundle",
        "GatewayFromConfig",
        "Listening",
        "ScenarioAssertion",
        "ScenarioDiagnostic",
        "ScenarioHandle",
        "ScenarioReport",
        "ScenarioSource",
        "ScenarioStatus",
        "createGateway",
      ].sort(),
    );
  });

  it("is refused from a source that imports a type: the published file would name one the user cannot see", () => {
    const other = mkdtempSync(path.join(tmpdir(), "switchyard-library-types-"));
    mkdirSync(path.join(other, path.dirname(LIBRARY_TYPES_SOURCE)), { recursive: true });
    writeFileSync(path.join(other, LIBRARY_TYPES_SOURCE), `import type { Gateway } from "../contract.ts";\nexport interface Listening { readonly gateway: Gateway }\n`);
    expect(() => emitLibraryTypes(other)).toThrow(`${LIBRARY_TYPES_SOURCE} must declare every public type itself, not import one: import type { Gateway } from "../contract.ts";`);
  });
});
