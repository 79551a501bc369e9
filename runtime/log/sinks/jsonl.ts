// The default sink: JSON lines in <dir>/requests-YYYY-MM-DD[.N].jsonl (rotating-log-file.ts), one file write
// per batch. Retention deletes whole daily files, once every record a file can hold is past the cutoff.
import { readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { RotatingLogFile, sortRequestLogFiles } from "../rotating-log-file.ts";
import type { LogEntry, LogSink } from "./types.ts";

const DAY_MS = 86_400_000;

export class JsonlSink implements LogSink {
  readonly kind = "jsonl";
  readonly where: string;
  private readonly file: RotatingLogFile;

  constructor(
    private readonly dir: string,
    maxSizeBytes: number,
  ) {
    this.where = dir;
    // Errors reach write()'s callback; the stream's own error event only needs a listener.
    this.file = new RotatingLogFile(dir, maxSizeBytes > 0 ? maxSizeBytes : Infinity, () => {});
  }

  async open(): Promise<void> {}

  write(entries: readonly LogEntry[]): Promise<void> {
    let text = "";
    for (const entry of entries) text += entry.line + "\n";
    return new Promise((resolve, reject) => {
      try {
        this.file.write(text, Date.now(), (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        // mkdir or stat of a new day's file failed synchronously.
        reject(error);
      }
    });
  }

  isRecordError(): boolean {
    return false;
  }

  /** Files of days that ended before `before`: a day's file holds records of that UTC day at the latest. */
  async deleteBefore(before: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
    let deleted = 0;
    for (const file of sortRequestLogFiles(names)) {
      if (Date.parse(`${file.day}T00:00:00Z`) + DAY_MS > before) break;
      await unlink(path.join(this.dir, file.name));
      deleted++;
    }
    return deleted;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
