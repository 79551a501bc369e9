// Glob routes are folded at build time into one RegExp of alternatives in declaration order, each ending in
// an empty capture group `()`. One exec finds the first glob that matches, and the position of the empty
// string among the captures says which (Hono's RegExpRouter trick): no loop over patterns per request.
import type { ConditionRequest, Route } from "../contract.ts";

// Syntax characters plus "/" (for emitting a regex literal); all are valid escapes with and without `u`.
const REGEXP_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/**
 * RegExp source for a model glob (`*` any run of characters, `?` one, everything else itself), without
 * anchors, so several globs can be folded into one `^(?:(a)|(b))$` alternation. `[\s\S]` rather than `.`
 * keeps the source independent of the `s` flag. The generator emits route globs with it; the runtime
 * compiles a key's allowed models with it once per keyring load.
 */
export function globToRegExpSource(glob: string): string {
  let source = "";
  for (const char of glob) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(REGEXP_SPECIAL, "\\$&");
  }
  return source;
}

/** An anchored RegExp matching exactly the names the glob matches. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^(?:${globToRegExpSource(glob)})$`);
}

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
