// Builds the dashboard page (dashboard/: TypeScript, CSS, uPlot) into a handful of minified, content-hashed
// files held in memory. generator/bundle.ts puts them inside the server bundle, so every `switchyard
// build` ships the page of its own runtime, and a running gateway never reads or fetches a file for it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import type { DashboardAssets, DashboardFile } from "../runtime/endpoints/dashboard-assets.ts";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

function hashed(name: string, text: string): string {
  const ext = path.extname(name);
  const hash = createHash("sha256").update(text).digest("base64url").slice(0, 10);
  return `${path.basename(name, ext)}-${hash}${ext}`;
}

export async function buildDashboard(root: string): Promise<DashboardAssets> {
  const dir = path.join(root, "dashboard");
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: path.join(dir, "src/main.ts") },
    outdir: "/dashboard-out",
    write: false,
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2022", "chrome109", "firefox115", "safari16"],
    // uPlot's MIT notice stays with it, at the end of the file.
    legalComments: "eof",
    logLevel: "silent",
  });
  const files: Record<string, DashboardFile> = {};
  const names: Record<string, string> = {};
  const add = (name: string, text: string) => {
    const file = hashed(name, text);
    files[file] = { type: TYPES[path.extname(name)]!, text };
    names[name] = `assets/${file}`;
  };
  for (const output of result.outputFiles) add(path.basename(output.path), output.text);
  add("favicon.svg", readFileSync(path.join(dir, "favicon.svg"), "utf8"));
  const index = readFileSync(path.join(dir, "index.html"), "utf8").replace(/\{\{(js|css|favicon)\}\}/g, (_, which: string) => {
    const name = { js: "app.js", css: "app.css", favicon: "favicon.svg" }[which]!;
    if (names[name] === undefined) throw new Error(`dashboard build produced no ${name}`);
    return names[name]!;
  });
  return { index, files };
}
