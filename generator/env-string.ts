// routes.yaml's ${VAR} strings resolved in the shell, for the CLI commands that read its settings (keys, logs).
// Bundles resolve them at start (runtime/env.ts); the generator itself never does, so secrets stay out of builds.
import type { EnvStringIR } from "./ir.ts";

/**
 * An env string's value in this process's environment, for the CLI commands that read routes.yaml's settings
 * (keys, logs) from a shell: the name of the first variable that is not set and has no default otherwise.
 */
export function resolveEnvString(value: EnvStringIR, env: NodeJS.ProcessEnv = process.env): { value: string } | { missing: string } {
  let text = "";
  for (const part of value.parts) {
    if ("text" in part) text += part.text;
    else {
      const resolved = env[part.env] ?? part.fallback;
      if (resolved === undefined) return { missing: part.env };
      text += resolved;
    }
  }
  return { value: text };
}
