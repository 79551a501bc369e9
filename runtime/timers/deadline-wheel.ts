// One coarse timing wheel per process for the request path's deadlines (an attempt's total_ms, retry
// backoff, a command provider's slot wait and run time). A Node timer per request and attempt costs
// a timer-list insert and removal each (and a libuv timer re-arm when it is the earliest); the wheel
// costs a linked-list insert and unlink, and one interval serves every request in flight.
//
// Precision: a deadline of `ms` fires no earlier than `ms` after it was set and, with the event loop
// free, at most one tick later: a 30 s timeout fires within [30 s, 30 s + TICK_MS]. A blocked event
// loop delays it further, as it would a setTimeout.
//
// The interval runs only while deadlines are pending and is unref'd, so an idle process can exit.

/** What `schedule` returns: cancelling a deadline that has fired (or was cancelled) does nothing. */
export interface Deadline {
  cancel(): void;
}

/** The tick: 25 ms keeps the error small next to any timeout a provider is given, at 40 wakes a second under load. */
export const TICK_MS = 25;
/** Slots in one revolution (4096 × 25 ms ≈ 102 s); a later deadline waits in its slot for its revolution. */
const SLOTS = 4096;

/** Equal due times fire in the order they were set. */
const byDue = (a: Entry, b: Entry) => a.due - b.due || a.seq - b.seq;
let sequence = 0;

class Entry implements Deadline {
  prev: Entry | null = null;
  next: Entry | null = null;
  /** Slot index while pending; -1 once fired or cancelled. */
  slot = -1;
  readonly seq = sequence++;
  constructor(
    readonly wheel: DeadlineWheel,
    readonly due: number,
    public fire: (() => void) | null,
  ) {}
  cancel(): void {
    this.wheel.remove(this);
  }
}

export interface WheelOptions {
  tickMs?: number;
  slots?: number;
  /** Monotonic clock in ms; tests pass their own and call tick() themselves. */
  now?: () => number;
}

export class DeadlineWheel {
  readonly tickMs: number;
  private readonly mask: number;
  private readonly slots: (Entry | null)[];
  private readonly now: () => number;
  private pending = 0;
  /** The last tick whose slot holds no entry that is due; ticks after it are visited on the next tick(). */
  private cursor = 0;
  private interval: NodeJS.Timeout | null = null;
  /** Reused between ticks: the entries of one tick that are due, fired after collection. */
  private readonly due: Entry[] = [];

  constructor(options: WheelOptions = {}) {
    this.tickMs = options.tickMs ?? TICK_MS;
    const slots = options.slots ?? SLOTS;
    if ((slots & (slots - 1)) !== 0) throw new Error("wheel slots must be a power of two");
    this.mask = slots - 1;
    this.slots = new Array<Entry | null>(slots).fill(null);
    this.now = options.now ?? (() => performance.now());
  }

  /** Deadlines pending. */
  get size(): number {
    return this.pending;
  }

  /** Whether the interval is armed: only while a deadline is pending. */
  get running(): boolean {
    return this.interval !== null;
  }

  /** Calls `fire` once `ms` have passed (within one tick after), unless cancelled first. */
  schedule(ms: number, fire: () => void): Deadline {
    const now = this.now();
    const entry = new Entry(this, now + Math.max(0, ms), fire);
    if (this.interval === null) {
      // Nothing pending (the interval stops when the last deadline goes): no slot before this tick holds anything.
      this.cursor = Math.floor(now / this.tickMs) - 1;
      this.interval = setInterval(() => this.tick(), this.tickMs).unref();
    }
    this.insert(entry);
    this.pending++;
    return entry;
  }

  /** Fires what is due. The interval calls it; tests with their own clock call it directly. */
  tick(): void {
    const now = this.now();
    const current = Math.floor(now / this.tickMs);
    // After a long block every slot is visited once; entries not yet due stay where they are.
    const first = Math.max(this.cursor + 1, current - this.mask);
    const due = this.due;
    for (let t = first; t <= current; t++) {
      let entry = this.slots[t & this.mask];
      while (entry !== null) {
        const next = entry.next;
        if (entry.due <= now) {
          this.unlink(entry);
          due.push(entry);
        }
        entry = next;
      }
    }
    // The current tick's slot may still hold entries due later in it: it is visited again.
    this.cursor = current - 1;
    // In due order: one slot holds a tick's worth of due times, and a catch-up walk many ticks.
    if (due.length > 1) due.sort(byDue);
    // Fired after collection, so deadlines set or cancelled by a callback never disturb the walk above,
    // and one set during this tick fires on a later tick, never in the same pass.
    for (let i = 0; i < due.length; i++) {
      const fire = due[i].fire;
      due[i].fire = null;
      fire?.();
    }
    due.length = 0;
    this.idle();
  }

  /** @internal Entry.cancel. */
  remove(entry: Entry): void {
    // Also stops one that is due in the tick being fired, when an earlier callback of that tick cancels it.
    entry.fire = null;
    if (entry.slot < 0) return;
    this.unlink(entry);
    this.idle();
  }

  private insert(entry: Entry): void {
    const slot = Math.floor(entry.due / this.tickMs) & this.mask;
    const head = this.slots[slot];
    entry.slot = slot;
    entry.next = head;
    if (head !== null) head.prev = entry;
    this.slots[slot] = entry;
  }

  private unlink(entry: Entry): void {
    if (entry.prev !== null) entry.prev.next = entry.next;
    else this.slots[entry.slot] = entry.next;
    if (entry.next !== null) entry.next.prev = entry.prev;
    entry.prev = entry.next = null;
    entry.slot = -1;
    this.pending--;
  }

  /** Stops the interval once nothing is pending, so the process can exit and an idle gateway never wakes. */
  private idle(): void {
    if (this.pending === 0 && this.interval !== null) {
      clearInterval(this.interval);
      this.interval = null;
    }
  }
}

/** The process's wheel: the request path's deadlines all share it. */
export const deadlines = new DeadlineWheel();
