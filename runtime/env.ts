// Resolves `${VAR}` / `${VAR:-default}` references when the bundle starts. Generated code hands over the parts
// the generator parsed, so nothing is parsed here; every missing variable is collected and reported at once,
// naming the provider that needs it, before the server listens.

export type EnvPart = { readonly text: string } | { readonly env: string; readonly fallback?: string };

export class StartupError extends Error {}

export interface EnvReader {
  /** Resolve parts to a string; a missing variable without fallback is recorded against `owner`. */
  resolve(parts: readonly EnvPart[], owner: string): string;
  /** Throws a StartupError listing every missing variable, if any. */
  finish(): void;
}

export function createEnvReader(env: NodeJS.ProcessEnv = process.env): EnvReader {
  const missing: string[] = [];
  return {
    resolve(parts, owner) {
      let out = "";
      for (const part of parts) {
        if ("text" in part) {
          out += part.text;
          continue;
        }
        const value = env[part.env];
        if (value !== undefined) out += value;
        else if (part.fallback !== undefined) out += part.fallback;
        else missing.push(`environment variable ${part.env} is not set (needed by ${owner})`);
      }
      return out;
    },
    finish() {
      if (missing.length > 0) throw new StartupError(`cannot start:\n  ${missing.join("\n  ")}`);
    },
  };
}
