// What a bundle's main.ts exports for createGateway (lib/index.mjs), and how it tells an import by the library
// from a start as a program: the library imports it with ?switchyard-embed=N in its URL (N: one per gateway, so
// each gets its own module instance), and then the bundle opens nothing by itself.
import type { Gateway } from "../contract.ts";
import { openEmbeddedGateway, type EmbeddedGateway, type EmbedStartOptions } from "./embedded.ts";

export const EMBED_PARAMETER = "switchyard-embed";

/**
 * Set by createGateway around its import (a count of imports in progress): a loader that drops the URL's
 * query still leaves the bundle knowing it is imported, not run.
 */
const EMBEDDING = Symbol.for("switchyard.embedding");

/** Whether this module was imported by createGateway rather than run by `node server.mjs` / `switchyard serve`. */
export function isEmbedded(moduleUrl: string): boolean {
  const pending = (globalThis as Record<symbol, number | undefined>)[EMBEDDING] ?? 0;
  return new URL(moduleUrl).searchParams.has(EMBED_PARAMETER) || pending > 0;
}

/** The bundle's `openEmbedded(env)`: its gateway, built from `env` (provider keys, SWITCHYARD_*), opened in-process. */
export function embeddable(build: (env: NodeJS.ProcessEnv) => Gateway, options: EmbedStartOptions = {}): (env: NodeJS.ProcessEnv) => Promise<EmbeddedGateway> {
  return (env) => openEmbeddedGateway(build, env, options);
}
