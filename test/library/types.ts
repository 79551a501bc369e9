// Compile-time only (tsc -p . checks it, vitest never runs it): the library's published types (lib/index.d.ts)
// and what a bundle's openEmbedded returns (runtime/library/) must agree, both ways, or the type-check fails.
import type { Gateway as Published, ScenarioHandle as PublishedScenario, ScenarioSource as PublishedSource } from "../../lib/index.d.ts";
import type { EmbeddedGateway } from "../../runtime/library/embedded.ts";
import type { ScenarioHandle, ScenarioSource } from "../../runtime/library/scenarios.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;

export type Checks = [
  // lib/index.mjs adds `warnings` to what the bundle returns.
  Check<Same<Published, EmbeddedGateway & { readonly warnings: string }>>,
  Check<Same<PublishedScenario, ScenarioHandle>>,
  Check<Same<PublishedSource, ScenarioSource>>,
];
