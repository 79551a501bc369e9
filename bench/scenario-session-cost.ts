// `npx tsx bench/scenario-session-cost.ts [N]`: the CPU a scenario session adds to one played request, next to
// the cost of rendering the reply itself. Plays test/fixtures/scenarios/asserts.yaml's four requests (7 checks,
// substring, regex and tool-result kinds) over 64 sessions: picking the scenario by name, the session's LRU
// touch, the checks of that turn, and the served-time bookkeeping (runtime/scenario/session/), against
// playScenario's render of the same request. CPU time from process.cpuUsage; pin it: `taskset -c 1 npx tsx …`.
import { readFileSync } from "node:fs";
import { compileScenario } from "../generator/scenario.ts";
import { playScenario } from "../runtime/scenario/play.ts";
import { countAssistantTurns } from "../runtime/scenario/request.ts";
import { ScenarioRegistry } from "../runtime/scenario/session/registry.ts";

const N = Number(process.argv[2] ?? 200_000);
const SESSIONS = 64;
const scenario = compileScenario("asserts.yaml", readFileSync(new URL("../test/fixtures/scenarios/asserts.yaml", import.meta.url), "utf8")).scenario!;
const registry = new ScenarioRegistry([]);
registry.load("agent", "bench", scenario);

const user = { role: "user", content: "please list the files" };
const call = (id: string, name: string) => ({ id, type: "function", function: { name, arguments: "{}" } });
const second = [user, { role: "assistant", content: "Listing them.", tool_calls: [call("c0", "runCmd")] }, { role: "tool", tool_call_id: "c0", content: "README.md\nsrc" }];
const third = [...second, { role: "assistant", content: "", tool_calls: [call("r0", "readFile"), call("g0", "grep")] }, { role: "tool", tool_call_id: "r0", content: "server:\n  port: 1" }, { role: "tool", tool_call_id: "g0", content: "model: demo" }];
const fourth = [...third, { role: "assistant", content: "All done." }, { role: "user", content: "thanks" }];
const bodies = [[user], second, third, fourth].map((messages) => ({ model: "scripted", messages }));
const sessions = Array.from({ length: SESSIONS }, (_, i) => `session-${i}`);

function measure(label: string, step: (i: number) => void): void {
  for (let i = 0; i < 10_000; i++) step(i);
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) step(i);
  const used = process.cpuUsage(start);
  console.log(`${label.padEnd(44)} ${((used.user + used.system) / N).toFixed(3)} µs CPU per request`);
}

for (let round = 1; round <= 3; round++) {
  // A fresh state each round: checks that passed are skipped on later requests, as in a real session.
  registry.pick("agent")!.reset();
  measure(`session: pick + observe (round ${round})`, (i) => {
    const body = bodies[i & 3]!;
    registry.pick("agent")!.observe(sessions[(i >> 2) % SESSIONS]!, countAssistantTurns(body), "openai", body);
  });
  measure(`session, checks always re-run (round ${round})`, (i) => {
    registry.pick("agent")!.reset();
    const body = bodies[i & 3]!;
    registry.pick("agent")!.observe(sessions[(i >> 2) % SESSIONS]!, countAssistantTurns(body), "openai", body);
  });
  measure(`render: playScenario, not streamed (round ${round})`, (i) => {
    const body = bodies[i & 3]!;
    playScenario(scenario, { api: "openai", body, stream: false, model: "scripted" }, { speed: 0 });
  });
}
