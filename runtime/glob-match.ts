// Glob routes are folded at build time into one RegExp of alternatives in declaration order, each ending in
// an empty capture group `()`. One exec finds the first glob that matches, and the position of the empty
// string among the captures says which (Hono's RegExpRouter trick): no loop over patterns per request.
import type { Route } from "./contract.ts";

export function matchGlob(pattern: RegExp, routes: readonly Route[], model: string): Route | undefined {
  const match = pattern.exec(model);
  return match === null ? undefined : routes[match.indexOf("", 1) - 1];
}
