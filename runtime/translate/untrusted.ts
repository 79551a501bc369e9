// Readers for data not trusted to match its schema (upstream responses, and JSON a client wrote inside
// strings: tool arguments, tool results): a missing or mistyped field reads as an empty value, never a throw.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object itself, or an empty one. */
export function objectOf(value: unknown): Json {
  return isObject(value) ? value : {};
}

export function stringOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A finite number, else undefined. */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** JSON.parse without the throw: undefined for anything that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The reason a stream translator gives (StreamTranslator.unreadable) for an upstream event whose data is not
 * a JSON object, quoting its start for the log and the client's error; null for blank data, which some
 * servers send to keep a connection alive and which says nothing.
 */
export function unreadableEvent(data: string): string | null {
  if (data.trim() === "") return null;
  const quoted = data.length > 100 ? `${data.slice(0, 100)}…` : data;
  return `sent an event that is not a JSON object: ${JSON.stringify(quoted)}`;
}
