// What one request's deadline costs in CPU, apart from wrk's noise: `npx tsx bench/timer-cost.ts [N] [IN_FLIGHT]`.
// Sets and cancels N deadlines (as an attempt's total_ms is set when it starts and cancelled when it ends) with
// IN_FLIGHT others pending meanwhile (the requests in flight), on a Node timer (setTimeout/clearTimeout) and on
// the process's deadline wheel (runtime/timers/deadline-wheel.ts), yielding to the event loop every 32 so timers
// and the wheel's interval run as they would between requests. Prints this process's CPU time per set+cancel
// (process.cpuUsage, user + system), for both, in interleaved rounds.
import { deadlines } from "../runtime/timers/deadline-wheel.ts";

const N = Number(process.argv[2] ?? 200_000);
const IN_FLIGHT = Number(process.argv[3] ?? 256);
const ROUNDS = 5;
const YIELD_EVERY = 32;
const MS = 600_000;
const noop = () => {};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function nodeTimers(): Promise<number> {
  const ring: NodeJS.Timeout[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) ring.push(setTimeout(noop, MS + i));
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    // The oldest request ends (its timer is cleared) and a new one starts (a timer is set).
    const slot = i % IN_FLIGHT;
    clearTimeout(ring[slot]);
    ring[slot] = setTimeout(noop, MS);
    if (i % YIELD_EVERY === 0) await tick();
  }
  const used = process.cpuUsage(start);
  for (const t of ring) clearTimeout(t);
  return (used.user + used.system) / N;
}

async function wheel(): Promise<number> {
  const ring: { cancel(): void }[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) ring.push(deadlines.schedule(MS + i, noop));
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const slot = i % IN_FLIGHT;
    ring[slot].cancel();
    ring[slot] = deadlines.schedule(MS, noop);
    if (i % YIELD_EVERY === 0) await tick();
  }
  const used = process.cpuUsage(start);
  for (const d of ring) d.cancel();
  return (used.user + used.system) / N;
}

console.log(`N=${N} set+cancel each, ${IN_FLIGHT} pending meanwhile; CPU µs per set+cancel`);
for (let round = 1; round <= ROUNDS; round++) {
  const a = await nodeTimers();
  const b = await wheel();
  console.log(`round ${round}: setTimeout ${a.toFixed(3)}  wheel ${b.toFixed(3)}`);
}
