import { describe, expect, it } from "vitest";
import { renderPrompt } from "../../../runtime/command/prompt.ts";

const openai: Array<[string, { given: unknown; want: string }]> = [
  ["one user message is sent as its bare text", { given: { messages: [{ role: "user", content: "What is 2+2?" }] }, want: "What is 2+2?" }],
  [
    "system and developer messages come first, whatever their position",
    {
      given: {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
          { role: "developer", content: "Answer in French." },
        ],
      },
      want: "System: Be brief.\n\nAnswer in French.\n\nUser: Hi",
    },
  ],
  [
    "a conversation, the last user message last",
    {
      given: {
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello! How can I help?" },
          { role: "user", content: "Tell me a joke." },
        ],
      },
      want: "User: Hi\n\nAssistant: Hello! How can I help?\n\nUser: Tell me a joke.",
    },
  ],
  [
    "content parts: text kept, media as placeholders",
    {
      given: {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
              { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
              { type: "file", file: { file_id: "f1" } },
            ],
          },
          { role: "assistant", content: "A cat." },
        ],
      },
      want: "User: What is in this picture?\n[image]\n[audio]\n[file]\n\nAssistant: A cat.",
    },
  ],
  [
    "tool calls and their results, named by the call they answer",
    {
      given: {
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          { role: "tool", tool_call_id: "call_1", content: "18°C, sunny" },
          { role: "tool", tool_call_id: "call_unknown", content: [{ type: "text", text: "orphan" }] },
          { role: "user", content: "Thanks" },
        ],
      },
      want: 'User: Weather in Paris?\n\nAssistant: [tool call get_weather {"city":"Paris"}]\n\nTool result (get_weather): 18°C, sunny\n\nTool result (call_unknown): orphan\n\nUser: Thanks',
    },
  ],
  [
    "untrusted shapes are skipped, not thrown on",
    {
      given: { messages: [null, 3, { role: "user" }, { role: "wizard", content: "x" }, { role: "user", content: [null, { type: "text" }, { type: "text", text: "ok" }] }] },
      want: "ok",
    },
  ],
  ["no messages at all", { given: { model: "x" }, want: "" }],
];

const anthropic: Array<[string, { given: unknown; want: string }]> = [
  ["one user message is sent as its bare text", { given: { messages: [{ role: "user", content: "What is 2+2?" }] }, want: "What is 2+2?" }],
  [
    "system as a string, then the turns",
    {
      given: {
        system: "Be brief.",
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: [{ type: "text", text: "Hello!" }] },
          { role: "user", content: [{ type: "text", text: "A joke, please." }] },
        ],
      },
      want: "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: A joke, please.",
    },
  ],
  [
    "system as text blocks; images and documents as placeholders; thinking left out",
    {
      given: {
        system: [{ type: "text", text: "You are helpful." }, { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
        messages: [
          { role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }, { type: "document", source: {} }, { type: "text", text: "Describe." }] },
          { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: "s" }, { type: "redacted_thinking", data: "x" }, { type: "text", text: "A chart." }] },
        ],
      },
      want: "System: You are helpful.\nBe brief.\n\nUser: [image]\n[document]\nDescribe.\n\nAssistant: A chart.",
    },
  ],
  [
    "tool_use and tool_result blocks, results in place and named, errors marked",
    {
      given: {
        messages: [
          { role: "user", content: "List files, then read one." },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Listing." },
              { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } },
              { type: "tool_use", id: "toolu_2", name: "Read", input: { path: "/nope" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "a.txt\nb.txt" },
              { type: "tool_result", tool_use_id: "toolu_2", is_error: true, content: [{ type: "text", text: "no such file" }, { type: "image", source: {} }] },
              { type: "text", text: "Now read a.txt" },
            ],
          },
        ],
      },
      want:
        "User: List files, then read one.\n\n" +
        'Assistant: Listing.\n[tool call Bash {"command":"ls"}]\n[tool call Read {"path":"/nope"}]\n\n' +
        "Tool result (Bash): a.txt\nb.txt\n\n" +
        "Tool error (Read): no such file\n[image]\n\n" +
        "User: Now read a.txt",
    },
  ],
  [
    "untrusted shapes are skipped, not thrown on",
    { given: { system: 5, messages: [null, { role: "user", content: 7 }, { role: "user", content: [null, { type: "text", text: "ok" }] }] }, want: "ok" },
  ],
  ["not an object", { given: "nope", want: "" }],
];

describe("renderPrompt", () => {
  it.each(openai)("openai: %s", (_name, { given, want }) => {
    expect(renderPrompt("openai", given)).toBe(want);
  });

  it.each(anthropic)("anthropic: %s", (_name, { given, want }) => {
    expect(renderPrompt("anthropic", given)).toBe(want);
  });

  it("is deterministic", () => {
    const body = anthropic[3]![1].given;
    expect(renderPrompt("anthropic", structuredClone(body))).toBe(renderPrompt("anthropic", body));
  });
});
