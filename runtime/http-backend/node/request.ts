// uWS's HttpRequest over node:http's IncomingMessage: the methods the runtime calls, with uWS's answers
// (header names lower-case, "" for an absent header, the path without its query, undefined for no query).
import type { IncomingMessage } from "node:http";
import type { HttpRequest } from "uWebSockets.js";

type Used = "getHeader" | "forEach" | "getUrl" | "getQuery" | "getMethod" | "getCaseSensitiveMethod" | "getParameter";

export class NodeRequest implements Pick<HttpRequest, Used> {
  constructor(
    private readonly req: IncomingMessage,
    private readonly path: string,
    /** Everything after "?" ("" for "/x?"), or undefined without one, as uWS gives it. */
    private readonly query: string | undefined,
    private readonly params: readonly string[],
  ) {}

  getHeader(lowerCasedHeader: string): string {
    const value = this.req.headers[lowerCasedHeader];
    if (value === undefined) return "";
    return typeof value === "string" ? value : value.join(", ");
  }

  forEach(cb: (key: string, value: string) => void): void {
    const headers = this.req.headers;
    for (const key in headers) {
      const value = headers[key]!;
      cb(key, typeof value === "string" ? value : value.join(", "));
    }
  }

  getUrl(): string {
    return this.path;
  }

  getQuery(): string;
  getQuery(key: string): string;
  getQuery(key?: string): string | undefined {
    if (key === undefined) return this.query;
    return new URLSearchParams(this.query ?? "").get(key) ?? undefined;
  }

  getMethod(): string {
    return this.req.method!.toLowerCase();
  }

  getCaseSensitiveMethod(): string {
    return this.req.method!;
  }

  getParameter(index: number): string {
    return this.params[index]!;
  }
}
