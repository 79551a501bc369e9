// uWS's routing rules on a static table, so handlers see the same dispatch on either backend: a method's own
// routes before `any` routes; within each, a fixed path before a `:param` segment before a `*` tail (uWS walks
// its tree depth-first in that order); among equal patterns, the first registered. Fixed paths are one Map
// lookup per request; only the few parametric routes (admin keys, dashboard) are walked, segment by segment.

export type Route<H> = { handler: H; params: string[] };

const enum Kind {
  Fixed = 0,
  Param = 1,
  Tail = 2,
}

interface PatternRoute<H> {
  readonly segments: readonly string[];
  readonly kinds: readonly Kind[];
  readonly handler: H;
  readonly order: number;
}

interface MethodTable<H> {
  readonly fixed: Map<string, H>;
  readonly patterns: PatternRoute<H>[];
}

const ANY = "*";
const NO_PARAMS: string[] = [];

export class Router<H> {
  private readonly tables = new Map<string, MethodTable<H>>();
  private registered = 0;

  /** `method` upper-case as on the wire (GET, DELETE…), or "*" for every method. */
  add(method: string, pattern: string, handler: H): void {
    let table = this.tables.get(method);
    if (table === undefined) {
      table = { fixed: new Map(), patterns: [] };
      this.tables.set(method, table);
    }
    const segments = pattern.split("/").slice(1);
    const kinds = segments.map((s) => (s === "*" ? Kind.Tail : s.startsWith(":") ? Kind.Param : Kind.Fixed));
    if (kinds.every((k) => k === Kind.Fixed)) {
      if (!table.fixed.has(pattern)) table.fixed.set(pattern, handler);
      return;
    }
    table.patterns.push({ segments, kinds, handler, order: this.registered++ });
    table.patterns.sort(compareRoutes);
  }

  /** The handler for a request and its `:param` values in order, or null when no route matches. */
  match(method: string, path: string): Route<H> | null {
    return this.matchIn(this.tables.get(method), path) ?? this.matchIn(this.tables.get(ANY), path);
  }

  private matchIn(table: MethodTable<H> | undefined, path: string): Route<H> | null {
    if (table === undefined) return null;
    const handler = table.fixed.get(path);
    if (handler !== undefined) return { handler, params: NO_PARAMS };
    if (table.patterns.length === 0) return null;
    const parts = path.split("/").slice(1);
    for (const route of table.patterns) {
      const params = matchSegments(route, parts);
      if (params !== null) return { handler: route.handler, params };
    }
    return null;
  }
}

function matchSegments<H>(route: PatternRoute<H>, parts: string[]): string[] | null {
  const { segments, kinds } = route;
  let params: string[] | null = null;
  for (let i = 0; i < segments.length; i++) {
    const kind = kinds[i]!;
    // A tail matches whatever is left, nothing included ("/*" matches "/").
    if (kind === Kind.Tail) return params ?? NO_PARAMS;
    if (i >= parts.length) return null;
    if (kind === Kind.Fixed) {
      if (parts[i] !== segments[i]) return null;
    } else (params ??= []).push(parts[i]!);
  }
  return parts.length === segments.length ? (params ?? NO_PARAMS) : null;
}

/** uWS's depth-first order: at the first segment where two patterns differ in kind, fixed < param < tail. */
function compareRoutes<H>(a: PatternRoute<H>, b: PatternRoute<H>): number {
  const n = Math.min(a.kinds.length, b.kinds.length);
  for (let i = 0; i < n; i++) if (a.kinds[i] !== b.kinds[i]) return a.kinds[i]! - b.kinds[i]!;
  return a.order - b.order;
}
