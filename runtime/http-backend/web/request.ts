// uWS's HttpRequest over a web-standard Request: the methods the runtime calls, with uWS's answers (header
// names lower-case, "" for an absent header, the path without its query, undefined for no query), as
// node/request.ts gives them over node:http.
import type { HttpRequest } from "uWebSockets.js";

type Used = "getHeader" | "forEach" | "getUrl" | "getQuery" | "getMethod" | "getCaseSensitiveMethod" | "getParameter";

export class WebRequest implements Pick<HttpRequest, Used> {
  constructor(
    private readonly request: Request,
    private readonly path: string,
    /** Everything after "?" ("" for "/x?"), or undefined without one, as uWS gives it. */
    private readonly query: string | undefined,
    private readonly params: readonly string[],
  ) {}

  getHeader(lowerCasedHeader: string): string {
    return this.request.headers.get(lowerCasedHeader) ?? "";
  }

  forEach(cb: (key: string, value: string) => void): void {
    // Headers iterates lower-case names, with repeated ones joined by ", " as node:http and uWS give them.
    this.request.headers.forEach((value, key) => cb(key, value));
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
    return this.request.method.toLowerCase();
  }

  getCaseSensitiveMethod(): string {
    return this.request.method;
  }

  getParameter(index: number): string {
    return this.params[index]!;
  }
}
