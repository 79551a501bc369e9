// Reads the JSONL request log: <dir>/requests-YYYY-MM-DD[.N].jsonl in the order they were written. Files are
// read whole (a day's file is bounded by logs.max_size); `tail` reads from the newest file back until it has
// enough, `after` reads only the bytes appended since its cursor, and `usage` skips files of days before
// `since` (a file of day D only holds requests that arrived on D or before).
import { open, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { compareRequestLogFiles, parseRequestLogFileName, sortRequestLogFiles, type RequestLogFile } from "../rotating-log-file.ts";
import { matches, usageRowOf, type LogFilter, type LogReader, type StoredRecord, type UsageRow } from "./types.ts";

/** A file and how many bytes of it have been read (always up to a line break). */
interface JsonlCursor {
  readonly file: string | null;
  readonly offset: number;
}

function parseLines(text: string): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // A line cut short by a crash, or not ours: skipped.
    }
  }
  return records;
}

export class JsonlReader implements LogReader {
  readonly where: string;

  constructor(private readonly dir: string) {
    this.where = dir;
  }

  private async files(): Promise<RequestLogFile[]> {
    try {
      return sortRequestLogFiles(await readdir(this.dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  private read(file: RequestLogFile): Promise<string> {
    return readFile(path.join(this.dir, file.name), "utf8");
  }

  async tail(filter: LogFilter, n: number): Promise<{ records: StoredRecord[]; cursor: JsonlCursor }> {
    const files = await this.files();
    const last = files.at(-1);
    let cursor: JsonlCursor = { file: null, offset: 0 };
    const found: StoredRecord[] = [];
    for (let i = files.length - 1; i >= 0 && found.length < n; i--) {
      const text = await this.read(files[i]!);
      // Only complete lines count, and the cursor points just past them.
      const complete = text.slice(0, text.lastIndexOf("\n") + 1);
      if (files[i] === last) cursor = { file: last.name, offset: Buffer.byteLength(complete) };
      const records = parseLines(complete).filter((r) => matches(r, filter));
      found.unshift(...records.slice(Math.max(0, records.length - (n - found.length))));
    }
    return { records: found, cursor };
  }

  async after(from: unknown, filter: LogFilter): Promise<{ records: StoredRecord[]; cursor: JsonlCursor }> {
    let cursor = from as JsonlCursor;
    const position = cursor.file === null ? null : parseRequestLogFileName(cursor.file);
    const records: StoredRecord[] = [];
    for (const file of await this.files()) {
      if (position !== null && compareRequestLogFiles(file, position) < 0) continue;
      const start = file.name === cursor.file ? cursor.offset : 0;
      const handle = await open(path.join(this.dir, file.name), "r");
      try {
        const { size } = await handle.stat();
        if (size <= start) {
          cursor = { file: file.name, offset: start };
          continue;
        }
        const buffer = Buffer.alloc(size - start);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
        const end = buffer.lastIndexOf(0x0a, bytesRead - 1) + 1;
        records.push(...parseLines(buffer.toString("utf8", 0, end)).filter((r) => matches(r, filter)));
        cursor = { file: file.name, offset: start + end };
      } finally {
        await handle.close();
      }
    }
    return { records, cursor };
  }

  async get(id: string): Promise<StoredRecord | null> {
    const files = await this.files();
    for (let i = files.length - 1; i >= 0; i--) {
      const text = await this.read(files[i]!);
      let at = text.indexOf(id);
      while (at >= 0) {
        const start = text.lastIndexOf("\n", at) + 1;
        const end = text.indexOf("\n", at);
        try {
          const record = JSON.parse(text.slice(start, end < 0 ? undefined : end));
          if (record.id === id) return record;
        } catch {
          // not a whole line
        }
        at = end < 0 ? -1 : text.indexOf(id, end);
      }
    }
    return null;
  }

  async usage(since: number): Promise<UsageRow[]> {
    const firstDay = new Date(since).toISOString().slice(0, 10);
    const rows: UsageRow[] = [];
    for (const file of await this.files()) {
      if (file.day < firstDay) continue;
      for (const record of parseLines(await this.read(file))) {
        const row = usageRowOf(record);
        if (row.time >= since) rows.push(row);
      }
    }
    return rows;
  }

  async close(): Promise<void> {}
}
