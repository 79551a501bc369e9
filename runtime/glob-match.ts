// Glob routes are folded at build time into one RegExp of alternatives in declaration order, each ending in
// an empty capture group `()`. One exec finds the first glob that matches, and the position of the empty
// string among the captures says which (Hono's RegExpRouter trick): no loop over patterns per request.
import type { ConditionRequest, Route } from "./contract.ts";

export function matchGlob(pattern: RegExp, routes: readonly Route[], model: string): Route | undefined {
  const match = pattern.exec(model);
  return match === null ? undefined : routes[match.indexOf("", 1) - 1];
}

/** A conditional glob route's predicate (`when:`), or null for an unconditional one. */
export type GlobCondition = ((request: ConditionRequest, body: unknown) => boolean) | null;

/**
 * Globs of which some have conditions. `patterns[i]` folds the globs from i on, and exists for i = 0 and
 * after every conditional glob: a match whose condition fails resumes the search just past it, so the first
 * glob that both matches and holds wins, still one exec per conditional glob skipped. Without a request
 * (endpoints other than chat) conditional globs never serve, as for exact names.
 */
export function matchGlobWhen(
  patterns: readonly (RegExp | null)[],
  routes: readonly Route[],
  conditions: readonly GlobCondition[],
  model: string,
  request: ConditionRequest | undefined,
  body: unknown,
): Route | undefined {
  for (let from = 0; from < routes.length; ) {
    const match = patterns[from]!.exec(model);
    if (match === null) return undefined;
    const i = from + match.indexOf("", 1) - 1;
    const condition = conditions[i]!;
    if (condition === null || (request !== undefined && condition(request, body))) return routes[i];
    from = i + 1;
  }
  return undefined;
}
