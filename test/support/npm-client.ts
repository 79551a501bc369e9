// Installs a real client (a CLI published on npm) for a test, once: `npm install` into test/.clients/<spec>/
// (git-ignored), reused by later runs while its bin is there. A failed install is not a test failure: the
// caller skips with the reason, so a machine without the registry still runs the rest of the suite.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./gateway.ts";

const INSTALL_TIMEOUT_MS = 300_000;

/** `spec` as npm takes it (e.g. "@openai/codex@0.171.0"); `bin` the executable's name in node_modules/.bin. */
export async function installClient(spec: string, bin: string): Promise<{ ok: true; bin: string } | { ok: false; reason: string }> {
  const dir = path.join(root, "test/.clients", spec.replace(/[^A-Za-z0-9._-]/g, "_"));
  const binPath = path.join(dir, "node_modules", ".bin", bin);
  if (existsSync(binPath)) return { ok: true, bin: binPath };
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, "package.json"))) writeFileSync(path.join(dir, "package.json"), '{ "private": true }\n');
  const result = await new Promise<{ error: Error | null; stderr: string }>((resolve) => {
    execFile("npm", ["install", "--no-audit", "--no-fund", "--no-save", spec], { cwd: dir, timeout: INSTALL_TIMEOUT_MS }, (error, _stdout, stderr) =>
      resolve({ error, stderr: String(stderr) }),
    );
  });
  if (result.error || !existsSync(binPath)) {
    const detail = (result.stderr.trim().split("\n").slice(-3).join(" ") || result.error?.message || "no error output").slice(0, 400);
    return { ok: false, reason: `npm install ${spec} failed: ${detail}` };
  }
  return { ok: true, bin: binPath };
}
