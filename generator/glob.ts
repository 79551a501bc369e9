// Model-name globs: `*` matches any run of characters (including none and including "/"),
// `?` matches exactly one character, everything else matches itself. There is no escaping.
// Characters are UTF-16 code units, the same unit the emitted RegExp (no `u` flag) works in.
// What a glob means is defined once, in the runtime (a key's allowed models are globs too).
import { globToRegExp } from "../runtime/routing/glob-match.ts";

export { globToRegExp, globToRegExpSource } from "../runtime/routing/glob-match.ts";

/** True when the model name is a glob rather than an exact name. */
export function isGlob(model: string): boolean {
  return model.includes("*") || model.includes("?");
}

export function globMatches(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}

/**
 * Whether every name `inner` matches is also matched by `outer` (language inclusion), used to
 * find routes an earlier glob shadows: `claude-*` covers `claude-3-*`, `??*` covers `?*a`.
 *
 * Matching one pattern against the other symbol by symbol is not enough (`??*` covers `?*a`
 * although no `?` of the first lines up with the `*` of the second), so this runs both patterns as
 * automata over a finite alphabet: the literal characters of both plus one fresh character.
 * That alphabet suffices because a glob cannot tell apart characters it does not mention: any name
 * `inner` matches and `outer` rejects stays so after replacing unmentioned characters by the fresh one.
 */
export function globCovers(outer: string, inner: string): boolean {
  const outerNfa = compileNfa(outer);
  const innerNfa = compileNfa(inner);
  const alphabet = literalAlphabet(outer + inner);

  // Subset construction on both automata at once; a reachable pair where `inner` accepts and
  // `outer` does not is a witness that inclusion fails.
  let pending: Array<[StateSet, StateSet]> = [[innerNfa.start, outerNfa.start]];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const next: Array<[StateSet, StateSet]> = [];
    for (const [innerStates, outerStates] of pending) {
      const key = `${innerStates.join(",")}|${outerStates.join(",")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (innerStates.includes(innerNfa.accept) && !outerStates.includes(outerNfa.accept)) return false;
      for (const char of alphabet) {
        const innerNext = innerNfa.step(innerStates, char);
        if (innerNext.length === 0) continue; // `inner` can no longer match: nothing to cover
        next.push([innerNext, outerNfa.step(outerStates, char)]);
      }
    }
    pending = next;
  }
  return true;
}

/** Sorted, de-duplicated NFA state numbers. */
type StateSet = number[];

interface GlobNfa {
  start: StateSet;
  accept: number;
  step(states: StateSet, char: string): StateSet;
}

/**
 * State i means "the first i pattern characters are matched". A `*` at i loops on any character
 * and has an epsilon edge to i + 1; `?` and literals advance on one (matching) character.
 */
function compileNfa(glob: string): GlobNfa {
  const tokens = Array.from({ length: glob.length }, (_, i) => glob[i]!);
  const close = (states: Iterable<number>): StateSet => {
    const out = new Set<number>();
    for (let state of states) {
      out.add(state);
      while (tokens[state] === "*") out.add(++state);
    }
    return [...out].sort((a, b) => a - b);
  };
  return {
    start: close([0]),
    accept: tokens.length,
    step(states, char) {
      const out: number[] = [];
      for (const state of states) {
        const token = tokens[state];
        if (token === undefined) continue;
        if (token === "*") out.push(state);
        else if (token === "?" || token === char) out.push(state + 1);
      }
      return close(out);
    },
  };
}

/** The literal characters of the patterns plus one character none of them mentions. */
function literalAlphabet(patterns: string): string[] {
  const chars = new Set<string>();
  for (let i = 0; i < patterns.length; i++) {
    const char = patterns[i]!;
    if (char !== "*" && char !== "?") chars.add(char);
  }
  let fresh = 0;
  while (chars.has(String.fromCharCode(fresh))) fresh++;
  return [...chars, String.fromCharCode(fresh)];
}
