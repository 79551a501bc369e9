// The few helpers compiled body transforms share. Simple paths are emitted as direct property access; these
// cover what a line of generated code cannot say briefly: walking every member of a container, creating a
// missing parent object, and removing selected array elements without shifting the ones still to remove.
import type { Hit } from "./types.ts";

const NO_KEYS: readonly never[] = [];

/** Indexes of an array, keys of an object, nothing for anything else. */
export function keysOf(node: unknown): ReadonlyArray<string | number> {
  if (Array.isArray(node)) return node.map((_, i) => i);
  if (typeof node === "object" && node !== null) return Object.keys(node);
  return NO_KEYS;
}

/** `parent[key]` when it is an object or array; a new `{}` there when the member is absent; else undefined. */
export function child(parent: any, key: string | number): any {
  if (typeof parent !== "object" || parent === null) return undefined;
  const value = parent[key];
  if (typeof value === "object" && value !== null) return value;
  if (value !== undefined || Array.isArray(parent)) return undefined;
  return (parent[key] = {});
}

/** Removes every location a matcher selects; array elements from the last, so indexes stay valid. */
export function removeHits(match: (root: any, hit: Hit) => void, root: any): void {
  const hits: Array<[any, string | number]> = [];
  match(root, (parent, key) => hits.push([parent, key]));
  for (let i = hits.length - 1; i >= 0; i--) {
    const [parent, key] = hits[i]!;
    if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
    else delete parent[key];
  }
}
