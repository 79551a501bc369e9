// "Did you mean" suggestions for misspelt keys, enum values, provider and environment names.
// Prisma's rule: suggest the closest candidate within an edit distance of 3. We add one guard:
// at most half the typed word may be wrong, so "kind" never "means" "file" and "x" never "id".

export const MAX_EDIT_DISTANCE = 3;

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // One row of the DP table is enough: prev[j] is the distance between a[0..i) and b[0..j).
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, substitute));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close enough.
 * Ties go to the earlier candidate, so callers list candidates in a meaningful order.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    // Case-only differences ("OpenAI" for "openai") count as one edit, not one per letter.
    const distance =
      candidate.toLowerCase() === input.toLowerCase() ? 1 : editDistance(input, candidate);
    if (distance > Math.min(MAX_EDIT_DISTANCE, Math.ceil(input.length / 2))) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Appends ` Did you mean "x"?` to a message when there is a close candidate. */
export function withSuggestion(message: string, input: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(input, candidates);
  return suggestion === undefined ? message : `${message}. Did you mean "${suggestion}"?`;
}
