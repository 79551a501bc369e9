// The stream tap's event-loop CPU per stream, apart from wrk's noise: `npx tsx bench/stream-tap-cost.ts [TREE...]`.
// For each checkout TREE (default: this one), imports its runtime/streams/stream-tap.ts and, per stream, does
// what the event loop does for one relayed OpenAI stream: push the bench mock's events one chunk each (fresh
// buffers, as undici hands them), finish, then what runtime/endpoints/chat.ts reads on this thread: the cost's
// output estimate when no usage came (the tap's counted characters where it has them, else the assembled
// text) and, with bodies logged, the response (an assembled text, or the kept bytes for the log's thread).
// Cases: bodies on/off × the mock's stream without usage / with stream_options.include_usage (`usage: null` in
// each chunk, then a usage chunk). Prints the median and lowest CPU µs per stream over rounds, trees interleaved.
// The log's thread's assembly (summarizeStream, ~20 µs for this stream) is not in these figures.
import path from "node:path";
import { pathToFileURL } from "node:url";

const trees = process.argv.length > 2 ? process.argv.slice(2) : [path.resolve(import.meta.dirname, "..")];
const N = 20_000;
const ROUNDS = 7;

const ID = "chatcmpl-bench0000000000000000000000";
const WORDS = ["Hello", "!", " This", " is", " a", " fixed", " bench", " reply", "."];
const head = { id: ID, object: "chat.completion.chunk", created: 1700000000, model: "bench-model", system_fingerprint: "fp_bench" };

/** The bench mock's stream (bench/mock-upstream.mjs), with or without include_usage. */
function events(usage: boolean): Buffer[] {
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage: null } : {}) })}\n\n`;
  return [
    chunk({ role: "assistant", content: "" }, null),
    ...WORDS.slice(0, 8).map((word, i) => chunk({ content: i === 7 ? word + WORDS[8] : word }, null)),
    chunk({}, "stop"),
    ...(usage ? [`data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } })}\n\n`] : []),
    "data: [DONE]\n\n",
  ].map((text) => Buffer.from(text));
}

interface Summary {
  usage: unknown;
  text: string;
  reasoning: string;
  toolCalls: readonly { name: string; arguments: string }[];
  finishReason: string | null;
  stream?: { bytes: Uint8Array };
  outputChars?: number;
}
type CreateTap = (api: "openai", assemble: boolean) => { push(chunk: Uint8Array): void; finish(): Summary };

let sink = 0;

function oneStream(createStreamTap: CreateTap, chunks: Buffer[], bodies: boolean): void {
  const tap = createStreamTap("openai", bodies);
  for (const chunk of chunks) tap.push(Buffer.from(chunk));
  const summary = tap.finish();
  if (summary.usage === null) {
    let chars = summary.outputChars;
    if (chars === undefined) {
      chars = summary.text.length + summary.reasoning.length;
      for (const call of summary.toolCalls) chars += call.name.length + call.arguments.length;
    }
    sink += Math.ceil(chars / 4);
  }
  if (bodies) {
    if (summary.stream !== undefined) sink += summary.stream.bytes.length;
    else sink += { text: summary.text, finish_reason: summary.finishReason, ...(summary.toolCalls.length ? { tool_calls: summary.toolCalls } : {}) }.text.length;
  }
}

function measure(createStreamTap: CreateTap, chunks: Buffer[], bodies: boolean): number {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) oneStream(createStreamTap, chunks, bodies);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / N;
}

const taps = await Promise.all(
  trees.map(async (tree) => ({ tree, create: (await import(pathToFileURL(path.join(tree, "runtime/streams/stream-tap.ts")).href)).createStreamTap as CreateTap })),
);
console.log("case\ttree\tmedian_us_per_stream\tmin_us_per_stream");
for (const usage of [false, true]) {
  for (const bodies of [true, false]) {
    const chunks = events(usage);
    const name = `${usage ? "usage" : "stream"}-${bodies ? "bodies" : "nobodies"}`;
    const runs = new Map<string, number[]>(taps.map(({ tree }) => [tree, []]));
    for (const { create } of taps) measure(create, chunks, bodies); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? taps : [...taps].reverse();
      for (const { tree, create } of order) runs.get(tree)!.push(measure(create, chunks, bodies));
    }
    for (const [tree, values] of runs) {
      values.sort((a, b) => a - b);
      console.log(`${name}\t${path.basename(tree)}\t${values[ROUNDS >> 1]!.toFixed(1)}\t${values[0]!.toFixed(1)}`);
    }
  }
}
if (sink === 0) console.log("(nothing counted)");
