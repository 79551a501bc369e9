// Schema migrations, one list per database (sqlite.ts, postgres.ts). Each store applies (apply.ts), at open and in
// order, every migration whose version is not yet in its `schema_migrations` table, inside the same
// transaction that records it, so a crash halfway leaves the database at the previous version.
//
// A migration is NEVER edited once shipped: databases that already ran it would not run it again and
// would silently differ from fresh ones. Change the schema by appending the next version.

export interface Migration {
  /** 1, 2, 3…: a list has every version from 1 up, in order. */
  readonly version: number;
  readonly name: string;
  /** One or more statements, run as one script. */
  readonly sql: string;
}

/** The migrations of `all` not in `applied`, in version order. */
export function pendingMigrations(all: readonly Migration[], applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version));
}
