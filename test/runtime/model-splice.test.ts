import { describe, expect, it } from "vitest";
import { findTopLevelStringValue, spliceModel } from "../../runtime/upstream/model-splice.ts";

describe("spliceModel", () => {
  const cases: Array<[string, { given: string; want: string | null }]> = [
    ["plain", { given: '{"model":"a","x":1}', want: '{"model":"b","x":1}' }],
    ["model after messages", { given: '{"messages":[{"content":"x"}],"model":"a"}', want: '{"messages":[{"content":"x"}],"model":"b"}' }],
    ["whitespace and newlines kept", { given: '{\n  "model" :\n "a" ,\n "t": 0.50}', want: '{\n  "model" :\n "b" ,\n "t": 0.50}' }],
    ["nested model keys are not the top-level one", { given: '{"metadata":{"model":"z"},"model":"a"}', want: '{"metadata":{"model":"z"},"model":"b"}' }],
    ["a model key inside a string is text", { given: '{"messages":[{"content":"\\"model\\":\\"a\\""}],"model":"a"}', want: '{"messages":[{"content":"\\"model\\":\\"a\\""}],"model":"b"}' }],
    ["escaped backslash before a quote ends the string", { given: '{"p":"c:\\\\","model":"a"}', want: '{"p":"c:\\\\","model":"b"}' }],
    ["escapes inside the model value", { given: '{"model":"a\\"q"}', want: '{"model":"b"}' }],
    ["duplicate keys: the last wins, as in JSON.parse", { given: '{"model":"x","model":"a"}', want: '{"model":"x","model":"b"}' }],
    ["a value that is a key name elsewhere", { given: '{"a":"model","model":"a"}', want: '{"a":"model","model":"b"}' }],
    ["non-string model", { given: '{"model":5}', want: null }],
    ["no model", { given: '{"messages":[]}', want: null }],
  ];
  it.each(cases)("%s", (_, { given, want }) => {
    expect(spliceModel(given, '"b"')).toBe(want);
    if (want !== null) expect(JSON.parse(want).model).toBe("b");
  });

  it("keeps every byte outside the model value", () => {
    const raw = JSON.stringify({ messages: [{ role: "user", content: "é ☕ \u2028 ".repeat(1000) }], model: "gpt-4o", temperature: 1e-7 });
    const [start, end] = findTopLevelStringValue(raw, "model")!;
    const out = spliceModel(raw, JSON.stringify("openai/gpt-4o"))!;
    expect(out.slice(0, start)).toBe(raw.slice(0, start));
    expect(out.slice(start + '"openai/gpt-4o"'.length)).toBe(raw.slice(end));
  });
});
