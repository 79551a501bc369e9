// Numbers as the page shows them: one place, so a test can predict the text it looks for.

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function int(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : integer.format(value);
}

/** Dollars: cents above $1; below, four significant digits, since LLM requests often cost fractions of a cent. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value === 0) return "$0.00";
  if (Math.abs(value) >= 1) return "$" + value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return "$" + String(Number(value.toPrecision(4)));
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  return `${Number(value.toPrecision(3))} ms`;
}

export function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(1))}%`;
}

export function time(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

export function dateTime(iso: string | null): string {
  if (iso === null) return "–";
  const date = new Date(iso);
  return `${date.toLocaleDateString("en-CA")} ${date.toLocaleTimeString("en-GB", { hour12: false })}`;
}

/** A JSON text pretty-printed when it parses, else as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
