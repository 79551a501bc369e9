// The process's deadline wheel on a clock the test moves: a deadline never fires early and at most one tick
// late, cancel works at any point, a callback may set or cancel deadlines, deadlines past one revolution
// wait for theirs, and the interval runs only while something is pending so an idle process exits.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DeadlineWheel } from "../../runtime/timers/deadline-wheel.ts";

const TICK = 10;
let clock = 0;
const wheels: DeadlineWheel[] = [];

function wheel(slots = 64): DeadlineWheel {
  clock = 1000;
  const w = new DeadlineWheel({ tickMs: TICK, slots, now: () => clock });
  wheels.push(w);
  return w;
}

/** Moves the clock in tick-sized steps (as the interval would wake), ticking after each. */
function advance(w: DeadlineWheel, ms: number, step = TICK): void {
  const end = clock + ms;
  while (clock < end) {
    clock = Math.min(end, clock + step);
    w.tick();
  }
}

afterEach(() => {
  // Cancelling what a test left pending stops each wheel's interval.
  for (const w of wheels.splice(0)) w.tick();
});

describe("DeadlineWheel", () => {
  it("fires no earlier than the deadline and at most one tick after it", () => {
    const w = wheel();
    for (const ms of [0, 1, 9, 10, 11, 25, 99, 100, 333]) {
      const start = clock;
      let firedAt = -1;
      w.schedule(ms, () => (firedAt = clock));
      advance(w, ms + 2 * TICK, 1);
      expect(firedAt - start, `${ms} ms`).toBeGreaterThanOrEqual(ms);
      // With the wheel woken every millisecond, it fires on the first wake at or after the deadline.
      expect(firedAt - start, `${ms} ms`).toBeLessThanOrEqual(ms + 1);
    }
    for (const ms of [0, 7, 10, 55, 300]) {
      const start = clock;
      let firedAt = -1;
      w.schedule(ms, () => (firedAt = clock));
      advance(w, ms + 3 * TICK);
      expect(firedAt - start, `${ms} ms, tick steps`).toBeGreaterThanOrEqual(ms);
      expect(firedAt - start, `${ms} ms, tick steps`).toBeLessThanOrEqual(ms + TICK);
    }
  });

  it("fires deadlines in order of their due times", () => {
    const w = wheel();
    const order: number[] = [];
    for (const ms of [300, 20, 150, 5, 90, 45, 260]) w.schedule(ms, () => order.push(ms));
    advance(w, 400);
    expect(order).toEqual([5, 20, 45, 90, 150, 260, 300]);
  });

  it("fires every deadline that shares a slot, and only those that are due", () => {
    const w = wheel();
    const fired: number[] = [];
    for (let i = 0; i < 1000; i++) w.schedule(50 + (i % TICK) / 2, () => fired.push(i));
    // The same slot one revolution (64 ticks) later.
    w.schedule(50 + 64 * TICK, () => fired.push(-1));
    expect(w.size).toBe(1001);
    advance(w, 60);
    expect(fired.length).toBe(1000);
    expect(new Set(fired).size).toBe(1000);
    expect(w.size).toBe(1);
  });

  it("cancels pending deadlines, including others in the same slot, and ignores a second cancel", () => {
    const w = wheel();
    const fired: string[] = [];
    const a = w.schedule(30, () => fired.push("a"));
    const b = w.schedule(31, () => fired.push("b"));
    const c = w.schedule(32, () => fired.push("c"));
    b.cancel();
    b.cancel();
    a.cancel();
    expect(w.size).toBe(1);
    advance(w, 50);
    expect(fired).toEqual(["c"]);
    // Cancelling after it fired does nothing.
    c.cancel();
    expect(w.size).toBe(0);
  });

  it("lets a callback cancel a deadline due in the same tick, and set new ones that fire on a later tick", () => {
    const w = wheel();
    const fired: string[] = [];
    let second: { cancel(): void } | null = null;
    w.schedule(20, () => {
      fired.push("first");
      second?.cancel();
      // Due at once, yet set while firing: it waits for the next tick rather than firing in this pass.
      w.schedule(0, () => fired.push("immediate"));
      w.schedule(40, () => fired.push("later"));
    });
    second = w.schedule(20, () => fired.push("second"));
    advance(w, 20);
    expect(fired).toEqual(["first"]);
    advance(w, TICK);
    expect(fired).toEqual(["first", "immediate"]);
    advance(w, 40);
    expect(fired).toEqual(["first", "immediate", "later"]);
  });

  it("holds deadlines beyond one revolution until theirs comes round", () => {
    const w = wheel(16); // 160 ms per revolution
    const fired: number[] = [];
    for (const ms of [1000, 165, 5000, 170]) w.schedule(ms, () => fired.push(ms));
    advance(w, 999);
    expect(fired).toEqual([165, 170]);
    advance(w, 1);
    expect(fired).toEqual([165, 170, 1000]);
    advance(w, 3999);
    expect(fired).toEqual([165, 170, 1000]);
    advance(w, 1);
    expect(fired).toEqual([165, 170, 1000, 5000]);
  });

  it("catches up after the event loop was blocked for longer than a revolution", () => {
    const w = wheel(16);
    const fired: number[] = [];
    for (const ms of [30, 100, 400, 900]) w.schedule(ms, () => fired.push(ms));
    clock += 500;
    w.tick();
    expect(fired).toEqual([30, 100, 400]);
    advance(w, 400);
    expect(fired).toEqual([30, 100, 400, 900]);
  });

  it("runs its interval only while a deadline is pending", () => {
    const w = wheel();
    expect(w.running).toBe(false);
    const a = w.schedule(1000, () => {});
    expect(w.running).toBe(true);
    a.cancel();
    expect(w.running).toBe(false);
    w.schedule(20, () => {});
    advance(w, 20);
    expect(w.size).toBe(0);
    expect(w.running).toBe(false);
    // Set again from inside a callback that empties the wheel: the interval is armed once, and stops after.
    w.schedule(10, () => w.schedule(10, () => {}));
    advance(w, 10);
    expect(w.running).toBe(true);
    advance(w, 10);
    expect(w.running).toBe(false);
  });

  it("fires on the real clock, and leaves nothing that keeps the process alive", () => {
    // A child process: a pending 60 s deadline must not hold it open (the interval is unref'd), and a
    // short one fires from the interval.
    const wheelPath = path.resolve(import.meta.dirname, "../../runtime/timers/deadline-wheel.ts");
    const script = `
      const { deadlines } = await import(${JSON.stringify(wheelPath)});
      deadlines.schedule(60_000, () => console.log("never"));
      // The wheel's interval is unref'd, so something else (here a ref'd timer; in the gateway, a socket) keeps the process up.
      const keep = setTimeout(() => console.log("not fired"), 5_000);
      const t0 = performance.now();
      await new Promise((resolve) => deadlines.schedule(40, resolve));
      clearTimeout(keep);
      console.log(performance.now() - t0 >= 40 ? "fired" : "early");
      // The 60 s deadline is still pending and the event loop has nothing else: the process must exit now.
    `;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe("fired");
  });
});
