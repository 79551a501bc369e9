// Build-time checks of the regexes in body transforms: a pattern must compile, and must not be able to
// backtrack catastrophically on a body a client controls (a 4 MB prompt meets a replace on every request).
//
// The ReDoS check is recheck (pinned in package.json). It was chosen over safe-regex2 because safe-regex2 is a
// star-height heuristic: it misses overlapping alternations such as `(a|a)*$` and every polynomial case
// (`\s+$` is quadratic), while recheck decides vulnerability from the regex's automaton, confirms it with an
// attack string and reports the complexity, which the diagnostic repeats. It runs here, in the generator only
// (the runtime never imports it): checkSync runs recheck in a worker, on its native binary for the platform
// when npm installed that optional dependency, else on its JavaScript build (same verdicts, slower).
import { checkSync } from "recheck";

/** Flags a pattern may carry in routes.yaml; `g` is always added (replace every occurrence). */
export const REGEX_FLAGS = /^[imsu]*$/;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; code: "bad-regex" | "unsafe-regex"; message: string; hint?: string };

/** A linear-time check budget per pattern; a pattern recheck cannot decide in time is reported, not passed. */
const CHECK_TIMEOUT_MS = 5_000;

export function checkRegex(pattern: string, flags: string): RegexCheck {
  if (!REGEX_FLAGS.test(flags)) {
    return { ok: false, code: "bad-regex", message: `invalid regex flags "${flags}"`, hint: "flags are any of i, m, s, u (g is implied)" };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, `g${flags}`);
  } catch (error) {
    return { ok: false, code: "bad-regex", message: (error as Error).message };
  }
  const diagnosis = checkSync(pattern, `g${flags}`, { timeout: CHECK_TIMEOUT_MS });
  if (diagnosis.status === "safe") return { ok: true, regex };
  if (diagnosis.status === "vulnerable") {
    return {
      ok: false,
      code: "unsafe-regex",
      message: `regex /${pattern}/ can backtrack catastrophically (${diagnosis.complexity.summary} time), e.g. on ${diagnosis.attack.pattern}`,
      hint: "remove nested or overlapping repetition, e.g. (a+)+ → a+, \\s+$ → trim in a second step, or anchor the pattern",
    };
  }
  return {
    ok: false,
    code: "unsafe-regex",
    message: `regex /${pattern}/ could not be shown safe from catastrophic backtracking (${diagnosis.error.kind})`,
    hint: "simplify the pattern",
  };
}
