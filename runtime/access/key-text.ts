// What a Switchyard key looks like and how it is stored. A key is 24 random bytes after a fixed prefix; the
// store keeps only its SHA-256 (a key has 192 bits of entropy, so a fast hash is as good as a slow one: there
// is nothing to guess) and a hint to tell keys apart. The `sk-` shape is one the request log's redaction
// already recognises (runtime/log/secrets.ts), so a key pasted into a prompt is not logged either.
import { hash, randomBytes } from "node:crypto";

export const KEY_PREFIX = "sk-sy-";

export function newKeyText(): string {
  return KEY_PREFIX + randomBytes(24).toString("base64url");
}

/** "key_" + 16 hex digits: names a key in the CLI, the admin API, logs and limits; stable across rotations. */
export function newKeyId(): string {
  return "key_" + randomBytes(8).toString("hex");
}

/** Lower-case hex SHA-256 of the key's text: what the store keeps. (One-shot `hash`: a quarter of createHash's cost.) */
export function hashKey(text: string): string {
  return hash("sha256", text);
}

/** Whether two equal-length hex digests are equal, in time that does not depend on where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** The first 10 and last 4 characters: enough to recognise a key, too little to use it. */
export function keyHint(text: string): string {
  return `${text.slice(0, 10)}…${text.slice(-4)}`;
}
