// The body checks compiled route conditions call (runtime/routing/route-conditions.ts), on both client formats.
import { describe, expect, it } from "vitest";
import { hasImages, hasTools, promptTokens } from "../../runtime/routing/route-conditions.ts";

describe("hasTools", () => {
  it.each([
    ["OpenAI tools", { tools: [{ type: "function", function: { name: "f" } }] }, true],
    ["OpenAI legacy functions", { functions: [{ name: "f" }] }, true],
    ["Anthropic tools", { tools: [{ name: "f", input_schema: {} }] }, true],
    ["an empty list", { tools: [] }, false],
    ["no tools", { messages: [] }, false],
    ["not an object", "tools", false],
  ])("%s", (_, body, want) => expect(hasTools(body)).toBe(want));
});

describe("hasImages", () => {
  const text = { role: "user", content: "look" };
  it.each([
    ["OpenAI image_url part", { messages: [text, { role: "user", content: [{ type: "text", text: "x" }, { type: "image_url", image_url: { url: "data:" } }] }] }, true],
    ["Anthropic image block", { messages: [{ role: "user", content: [{ type: "image", source: { type: "base64" } }] }] }, true],
    ["image inside an Anthropic tool_result", { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "image", source: {} }] }] }] }, true],
    ["text only", { messages: [text, { role: "user", content: [{ type: "text", text: "image_url" }] }] }, false],
    ["no messages", {}, false],
  ])("%s", (_, body, want) => expect(hasImages(body)).toBe(want));
});

describe("promptTokens", () => {
  it("estimates messages, system and tools at four characters a token", () => {
    expect(promptTokens({ system: "x".repeat(40), messages: [{ role: "user", content: "y".repeat(400) }] })).toBe(111); // 40 + 4 ("user") + 400 characters
    expect(promptTokens(null)).toBe(0);
  });
});
