// Opens the store a URL names. Each driver is imported only when its URL is used, so a gateway on SQLite
// never loads pg and one on PostgreSQL never loads the better-sqlite3 native module.
import { resolve } from "node:path";
import type { Store } from "./types.ts";

const ACCEPTED = "sqlite:PATH (e.g. sqlite:data/switchyard.db, relative to the working directory), sqlite::memory:, or postgres://user:password@host:port/database";

/**
 * `sqlite:PATH` (relative to process.cwd(); its directory is created), `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…`. Migrations are applied before it resolves.
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    // "sqlite://x" looks like a URL with a host; say so rather than guess whether "x" is relative.
    if (path === "" || path.startsWith("//")) throw new Error(`store url ${JSON.stringify(url)}: expected ${ACCEPTED}`);
    const { SqliteStore } = await import("./sqlite.ts");
    const file = path === ":memory:" ? path : resolve(path);
    try {
      return new SqliteStore(file);
    } catch (err) {
      // better-sqlite3's messages ("unable to open database file") do not say which file.
      throw new Error(`store sqlite:${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { PostgresStore } = await import("./postgres.ts");
    return PostgresStore.open(url, redactUrl(url));
  }
  throw new Error(`store url ${JSON.stringify(redactUrl(url))} is not one Switchyard can open: expected ${ACCEPTED}`);
}

/** `url` with its password (in the authority or a `password=` parameter) replaced by "***". */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@").replace(/([?&]password=)[^&]*/gi, "$1***");
  }
}
