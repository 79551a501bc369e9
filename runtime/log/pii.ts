// The opt-in built-in redactions, `logs.redact_emails` and `logs.redact_cards`: the generated redactor calls
// these on every string of a logged body (generated/<env>/log-redaction.ts). Both patterns are checked
// free of catastrophic backtracking by test/runtime/log/redact.test.ts with the generator's ReDoS check:
// each starts only where a run of its characters starts (a lookbehind), and every repetition is bounded
// or unambiguous, so a long run of letters or digits is scanned once.

export const EMAIL_REPLACEMENT = "[REDACTED_EMAIL]";
export const CARD_REPLACEMENT = "[REDACTED_CARD]";

const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;

/** A run of at least 13 digits, each pair of digits separated by at most one space or dash. */
const DIGIT_RUN = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,}(?![0-9])/g;
const GROUP = /[0-9]+/g;

export const EMAIL_PATTERN = EMAIL.source;
export const DIGIT_RUN_PATTERN = DIGIT_RUN.source;

export function redactEmails(text: string): string {
  return text.includes("@") ? text.replace(EMAIL, EMAIL_REPLACEMENT) : text;
}

/**
 * Card numbers: 13 to 19 digits that pass the Luhn check and start with 2 to 6 (the card networks'
 * ranges), written without separators or in groups of 3 to 6 digits split by one kind of separator
 * (4-4-4-4, 4 6 5). Other numbers are left alone: an order number fails Luhn nine times in ten, and a list
 * of small numbers is not grouped like a card.
 */
export function redactCards(text: string): string {
  return text.replace(DIGIT_RUN, redactRun);
}

interface Group {
  readonly start: number;
  readonly end: number;
}

function redactRun(run: string): string {
  const groups: Group[] = [];
  for (const match of run.matchAll(GROUP)) groups.push({ start: match.index, end: match.index + match[0].length });
  let out = "";
  let copied = 0;
  for (let i = 0; i < groups.length; ) {
    const j = longestCard(run, groups, i);
    if (j < 0) {
      i++;
      continue;
    }
    out += run.slice(copied, groups[i]!.start) + CARD_REPLACEMENT;
    copied = groups[j]!.end;
    i = j + 1;
  }
  return copied === 0 ? run : out + run.slice(copied);
}

/** The last group of the longest card starting at group `i`, or -1. At most 19 digits: linear in the run. */
function longestCard(run: string, groups: readonly Group[], i: number): number {
  const first = run.charCodeAt(groups[i]!.start);
  if (first < 0x32 || first > 0x36) return -1; // 2-6
  let best = -1;
  let digits = "";
  for (let j = i; j < groups.length; j++) {
    const g = groups[j]!;
    const size = g.end - g.start;
    if (j > i) {
      // Several groups: each of 3 to 6 digits, all split by the same separator as the first pair.
      if (size < 3 || size > 6 || groups[i]!.end - groups[i]!.start < 3 || groups[i]!.end - groups[i]!.start > 6) break;
      if (run[g.start - 1] !== run[groups[i]!.end]) break;
    }
    digits += run.slice(g.start, g.end);
    if (digits.length > 19) break;
    if (digits.length >= 13 && luhn(digits)) best = j;
  }
  return best;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let k = digits.length - 1, double = false; k >= 0; k--, double = !double) {
    let d = digits.charCodeAt(k) - 0x30;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
