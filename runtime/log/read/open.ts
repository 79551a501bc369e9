// A reader for the sink a `logs.sink` value (or `switchyard logs --sink`) names; each driver is loaded only
// when its sink is read.
import { parseSink } from "../sinks/open.ts";
import type { LogReader } from "./types.ts";

export async function openLogReader(sink: string, dir: string): Promise<LogReader> {
  const target = parseSink(sink, dir);
  switch (target.kind) {
    case "jsonl": {
      const { JsonlReader } = await import("./jsonl.ts");
      return new JsonlReader(target.dir);
    }
    case "sqlite": {
      const { SqliteReader } = await import("./sqlite.ts");
      return new SqliteReader(target.file);
    }
    case "postgres": {
      const { PostgresReader } = await import("./postgres.ts");
      return PostgresReader.open(target.url, target.where);
    }
  }
}
