import { describe, expect, it } from "vitest";
import { createChunkWriter } from "../../runtime/translate/openai-chunks.ts";

// The writer builds each frame from a string head; a client must get exactly what serialising the whole chunk gives.
describe("createChunkWriter", () => {
  const states = [
    { responseId: "chatcmpl-1", created: 1741569952, clientModel: "gpt-4o", includeUsage: false },
    { responseId: 'msg_"q"\\\n', created: 0, clientModel: "modèle/🎉\u2028", includeUsage: true },
  ];
  for (const state of states) {
    it(`frames chunks as JSON.stringify would (includeUsage=${state.includeUsage})`, () => {
      const writer = createChunkWriter(state);
      const whole = (choices: unknown, usage: unknown = null) =>
        `data: ${JSON.stringify({ id: state.responseId, object: "chat.completion.chunk", created: state.created, model: state.clientModel, choices, ...(state.includeUsage ? { usage } : {}) })}\n\n`;
      expect(writer.open()).toBe(whole([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }]));
      expect(writer.open()).toBe("");
      const text = 'Zürich "quoted" \\ back\nline </script> \u0000';
      const frame = writer.delta({ content: text });
      expect(frame).toBe(whole([{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }]));
      expect(JSON.parse(frame.slice("data: ".length)).choices[0].delta.content).toBe(text);
      expect(writer.delta({}, "stop")).toBe(whole([{ index: 0, delta: {}, finish_reason: "stop", logprobs: null }]));
      const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
      expect(writer.chunk([], usage as never)).toBe(whole([], usage));
    });
  }

  it("follows an id learned after the writer was made", () => {
    const state = { responseId: "a", created: 1, clientModel: "m", includeUsage: false };
    const writer = createChunkWriter(state);
    writer.delta({ content: "x" });
    state.responseId = "b";
    expect(JSON.parse(writer.delta({ content: "y" }).slice(6)).id).toBe("b");
  });
});
