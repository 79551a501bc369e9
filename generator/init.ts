// `switchyard init`: a starter project in the user's folder: routes.yaml (init/routes.yaml: the offline demo
// route and two real providers that stay skipped until their keys are set) and the demo's scenario
// (scenarios/demo.yaml, shared with the package's own routes.yaml). Nothing existing is ever overwritten:
// if either file is there, nothing is written at all, so a half-initialised folder cannot happen.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export type InitResult = { ok: true; written: string[] } | { ok: false; existing: string[] };

/** Relative path in the user's folder → the package file it is copied from. */
const STARTER: ReadonlyArray<readonly [string, string]> = [
  ["routes.yaml", "init/routes.yaml"],
  ["scenarios/demo.yaml", "scenarios/demo.yaml"],
];

export function initProject(root: string, dir: string): InitResult {
  const existing = STARTER.map(([file]) => file).filter((file) => existsSync(path.join(dir, file)));
  if (existing.length > 0) return { ok: false, existing };
  for (const [file, from] of STARTER) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    // The demo script's first line names the package's `make run`; the user's copy came from init.
    const text = readFileSync(path.join(root, from), "utf8").replace("Switchyard's demo scenario (`make run`)", "Switchyard's demo scenario (written by `switchyard init`)");
    // "wx": fail rather than overwrite, should the file appear between the check and the write.
    writeFileSync(target, text, { flag: "wx" });
  }
  return { ok: true, written: STARTER.map(([file]) => file) };
}
