// Appends text to <dir>/requests-YYYY-MM-DD.jsonl (UTC day), moving to .1, .2, ... when a file would pass
// the size limit, and to a new day's file at UTC midnight.
//
// Written on fs.WriteStream rather than a rotation library: a WriteStream queues writes made while one is in
// flight and hands them to the kernel as a single writev, so a busy gateway pays one thread-pool round trip
// per batch. (rotating-file-stream, tried first, awaits a FileHandle.write per chunk and cost about a
// quarter of the gateway's throughput in `make bench`.) The day check is one integer division per write.
import { createWriteStream, mkdirSync, statSync, type WriteStream } from "node:fs";
import { finished } from "node:stream";
import path from "node:path";

const DAY_MS = 86_400_000;

/** File name for a UTC day; `index` 0 is the day's first file, then .1, .2, ... */
export function requestLogFileName(time: number | Date, index = 0): string {
  const day = new Date(time).toISOString().slice(0, 10);
  return index > 0 ? `requests-${day}.${index}.jsonl` : `requests-${day}.jsonl`;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export class RotatingLogFile {
  private stream: WriteStream | null = null;
  private day = -1;
  private index = 0;
  private size = 0;

  constructor(
    private readonly dir: string,
    private readonly maxSizeBytes: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Bytes handed to the current file but not yet written by the kernel (a stalled disk grows this). */
  get unwritten(): number {
    return this.stream?.writableLength ?? 0;
  }

  /** `done` is called once the kernel has the text, or with the error that lost it. */
  write(text: string, now = Date.now(), done?: (error?: Error | null) => void): void {
    const day = Math.floor(now / DAY_MS);
    const bytes = Buffer.byteLength(text);
    if (this.stream === null || day !== this.day) this.open(day, now);
    else if (this.size > 0 && this.size + bytes > this.maxSizeBytes) this.rotate(now);
    this.size += bytes;
    this.stream!.write(text, done);
  }

  close(): Promise<void> {
    const last = this.stream;
    this.stream = null;
    if (last === null) return Promise.resolve();
    return new Promise((resolve) => {
      finished(last, () => resolve());
      last.end();
    });
  }

  /** First file of the day that still has room (a restart continues where the last process stopped). */
  private open(day: number, now: number): void {
    this.day = day;
    this.index = 0;
    mkdirSync(this.dir, { recursive: true });
    for (;;) {
      this.size = sizeOf(path.join(this.dir, requestLogFileName(now, this.index)));
      if (this.size < this.maxSizeBytes) break;
      this.index++;
    }
    this.swap(now);
  }

  private rotate(now: number): void {
    this.index++;
    this.size = sizeOf(path.join(this.dir, requestLogFileName(now, this.index)));
    this.swap(now);
  }

  private swap(now: number): void {
    this.stream?.end();
    const stream = createWriteStream(path.join(this.dir, requestLogFileName(now, this.index)), { flags: "a" });
    // After an error the stream is dead; the next write opens a fresh one (say, once the disk has room).
    stream.on("error", (error) => {
      this.onError(error);
      if (this.stream === stream) this.stream = null;
    });
    this.stream = stream;
  }
}

const FILE_NAME = /^requests-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;

export interface RequestLogFile {
  readonly name: string;
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly index: number;
}

/** A request log file's day and index, or null for any other name. */
export function parseRequestLogFileName(name: string): RequestLogFile | null {
  const match = FILE_NAME.exec(name);
  return match === null ? null : { name, day: match[1]!, index: match[2] === undefined ? 0 : Number(match[2]) };
}

/** The order files were written in: by day, then index (numerically: .2 before .10). */
export function compareRequestLogFiles(a: RequestLogFile, b: RequestLogFile): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : a.index - b.index;
}

/** Request log files among `names`, in the order they were written. */
export function sortRequestLogFiles(names: Iterable<string>): RequestLogFile[] {
  const files: RequestLogFile[] = [];
  for (const name of names) {
    const file = parseRequestLogFileName(name);
    if (file !== null) files.push(file);
  }
  return files.sort(compareRequestLogFiles);
}
