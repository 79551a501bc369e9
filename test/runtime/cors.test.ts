// Which Origin gets CORS headers (runtime/listener/cors.ts); the headers themselves are checked end to end.
import { describe, expect, it } from "vitest";
import { allowedOrigin } from "../../runtime/listener/cors.ts";

describe("allowedOrigin", () => {
  it("allows any origin with *, answering *", () => {
    expect(allowedOrigin({ origins: "*" }, "https://anything.example")).toBe("*");
  });

  it("allows listed origins exactly, echoing them", () => {
    const settings = { origins: ["https://app.example.com", "http://localhost:5173"] };
    expect(allowedOrigin(settings, "http://localhost:5173")).toBe("http://localhost:5173");
    expect(allowedOrigin(settings, "http://localhost:5174")).toBeNull();
    expect(allowedOrigin(settings, "https://app.example.com.evil.example")).toBeNull();
  });

  it("does nothing for requests without an Origin", () => {
    expect(allowedOrigin({ origins: "*" }, "")).toBeNull();
  });
});
