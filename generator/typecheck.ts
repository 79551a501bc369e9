// Type-checks generated code together with the runtime, in memory: ts-morph is the checker here, not the
// emitter. Generated files are added as in-memory source files over the real project, so `switchyard check`
// writes nothing. A type error inside a route module is reported at the route's line in routes.yaml,
// through the module's `// @route <id>  routes.yaml:L:C` provenance line. The package's tsconfig.json applies
// to the generated files wherever they are (a user's folder has none of its own, or one meant for its code).
import path from "node:path";
import { Project, ts, type SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.ts";
import type { GeneratedFile } from "./generate.ts";

const TYPES_DIR = "generated/types/";
const PROVENANCE = /^\/\/ @route (\S+)\s+(.+):(\d+):(\d+)\s/m;

/** `root`: the package (runtime/, tsconfig.json); `outDir`: the folder the files' paths are relative to. */
export function typecheckGenerated(root: string, files: readonly GeneratedFile[], outDir = root): Diagnostic[] {
  const project = new Project({
    tsConfigFilePath: path.join(root, "tsconfig.json"),
    skipAddingFilesFromTsConfig: true,
  });
  const byPath = new Map<string, GeneratedFile>();
  const generated: SourceFile[] = [];
  for (const file of files) {
    if (!file.path.endsWith(".ts")) continue;
    const absolute = path.join(outDir, file.path);
    byPath.set(absolute, file);
    generated.push(project.createSourceFile(absolute, file.content, { overwrite: true }));
    // The runtime's own type-only imports name the package's generated/types/, which an installed package
    // does not have (it is build output): the same files, in memory, stand in for it. The bundle needs
    // none of them, since type imports are erased.
    if (file.path.startsWith(TYPES_DIR) && outDir !== root) project.createSourceFile(path.join(root, file.path), file.content, { overwrite: true });
  }
  // Only the generated files are checked, each with what it uses of the runtime: the runtime's own bodies are
  // checked once by the package's `tsc -p .`, and generated/types/ (which the runtime imports) depends on the
  // provider schemas alone, never on a config. Checking the whole program again cost most of a build's time.
  const program = project.getProgram().compilerObject;
  const found: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const sourceFile of generated) {
    found.push(...program.getSyntacticDiagnostics(sourceFile.compilerNode), ...program.getSemanticDiagnostics(sourceFile.compilerNode));
  }
  const diagnostics: Diagnostic[] = [];
  for (const d of found) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const filePath = d.file?.fileName ?? "";
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 1;
    const module = byPath.get(path.normalize(filePath));
    const route = module ? PROVENANCE.exec(module.content) : null;
    if (route) {
      diagnostics.push({
        file: route[2]!,
        line: Number(route[3]),
        col: Number(route[4]),
        code: "type-error",
        pointer: `/routes/${route[1]}`,
        message: `generated code of route ${route[1]} does not type-check (${module!.path}:${line}): ${message}`,
        severity: "error",
      });
    } else {
      diagnostics.push({
        file: path.relative(process.cwd(), filePath) || "<project>",
        line,
        col: 1,
        code: "type-error",
        pointer: "",
        message,
        severity: "error",
      });
    }
  }
  return diagnostics;
}
