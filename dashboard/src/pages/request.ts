// One request: what it asked for, every attempt on every target (status, latency, retries, why a try was
// skipped or not retried), its timings, usage and cost, and its bodies as the request log keeps them,
// with secrets redacted by the gateway before they left it.
import { api } from "../api.ts";
import { h, replace, table, type Child } from "../dom.ts";
import { dateTime, int, ms, prettyJson, usd } from "../format.ts";
import type { Page } from "../page.ts";
import { statusPill } from "./requests.ts";
import type { RequestDetail } from "../../../runtime/endpoints/dashboard-api.ts";

function facts(rows: Array<[string, Child]>): HTMLElement {
  return h("dl", { class: "facts" }, rows.flatMap(([label, value]) => [h("dt", null, label), h("dd", { "data-fact": label }, value)]));
}

function body(title: string, text: string): HTMLElement {
  return h("section", { class: "card" }, h("h2", null, title), h("pre", { class: "body", "data-body": title }, prettyJson(text)));
}

/** Each attempt as a bar on one time axis: how long it took, in order, with the backoff before it. */
function timeline(record: RequestDetail): HTMLElement | null {
  const total = record.latency_ms;
  if (record.attempts.length === 0 || total <= 0) return null;
  let offset = 0;
  return h("div", { class: "timeline" }, record.attempts.map((attempt, i) => {
    offset += attempt.backoff_ms ?? 0;
    const bar = h("div", { class: `bar ${attempt.status !== null && attempt.status < 400 ? "ok" : "bad"}` });
    bar.style.marginLeft = `${Math.min(100, (offset / total) * 100)}%`;
    bar.style.width = `${Math.max(0.5, Math.min(100, (attempt.latency_ms / total) * 100))}%`;
    offset += attempt.latency_ms;
    return h("div", { class: "timeline-row" }, h("span", { class: "timeline-label" }, `${i + 1}. ${attempt.provider}`), h("div", { class: "timeline-track" }, bar));
  }));
}

function show(root: HTMLElement, r: RequestDetail, bodiesKept: boolean): void {
  const u = r.usage;
  const attempts = table(
    [{ label: "#" }, { label: "Provider" }, { label: "Model" }, { label: "Status" }, { label: "Latency", numeric: true }, { label: "Retry" }, { label: "Note" }],
    r.attempts.map((a, i) => ({
      cells: [
        String(i + 1),
        a.provider,
        a.model,
        a.status === null ? "–" : statusPill(a.status),
        ms(a.latency_ms),
        a.retry === undefined ? "" : `retry ${a.retry}${a.backoff_ms === undefined ? "" : ` after ${ms(a.backoff_ms)}`}`,
        [a.skipped, a.error, a.no_retry ? `not retried: ${a.no_retry}` : undefined, a.translated ? `translated to ${a.translated.to}${a.translated.dropped.length ? `, dropped ${a.translated.dropped.join(", ")}` : ""}` : undefined].filter(Boolean).join("; "),
      ],
      props: { "data-attempt": i + 1 },
    })),
    "No attempt: the request was answered by the gateway itself.",
  );
  const bodies: HTMLElement[] = [];
  if (r.request_body !== undefined) bodies.push(body("Request body", r.request_body));
  if (r.response_body !== undefined) bodies.push(body("Response body", r.response_body));
  if (r.response !== undefined) bodies.push(body("Response (assembled from the stream)", JSON.stringify(r.response)));
  const bodyNote = r.bodies_omitted ?? (bodiesKept ? null : "Bodies are not kept: the request log is configured without them (logs.bodies: false).");
  replace(
    root,
    h("div", { class: "toolbar" }, h("a", { href: "#/requests" }, "← Latest requests"), h("h1", null, `Request ${r.id}`), statusPill(r.status)),
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", null, "Request"), facts([
        ["Time", dateTime(r.time)],
        ["Trace id", h("code", null, r.trace_id)],
        ["Key", r.key_id === null ? "none" : r.key_name ? `${r.key_name} (${r.key_id})` : r.key_id],
        ["Client IP", r.client_ip],
        ["API", `${r.api} · ${r.path}`],
        ["Route", r.route ?? "–"],
        ["Model", r.model ?? "–"],
        ["Stream", r.stream ? "yes" : "no"],
        ["Status", String(r.status)],
        ["Error", r.error ?? "–"],
      ])),
      h("section", { class: "card" }, h("h2", null, "Timings, usage and cost"), facts([
        ["Latency", ms(r.latency_ms)],
        ["Upstream latency", ms(r.upstream_latency_ms)],
        ["Time to first byte", ms(r.ttfb_ms)],
        ["Input tokens", u === null ? "–" : `${int(u.prompt_tokens)}${u.cache_read_input_tokens || u.cache_creation_input_tokens ? ` (cache read ${int(u.cache_read_input_tokens)}, written ${int(u.cache_creation_input_tokens)})` : ""}`],
        ["Output tokens", u === null ? "–" : int(u.completion_tokens)],
        ["Usage", u === null ? "none reported" : r.usage_estimated ? "estimated here" : "reported by the provider"],
        ["Cost", r.cost_usd === undefined ? "–" : `${usd(r.cost_usd)}${r.cost_estimated ? " (estimated: no usage reported)" : ""}`],
      ])),
    ),
    h("section", { class: "card" }, h("h2", null, `Attempts (${r.attempts.length})`), timeline(r), attempts),
    bodyNote === null ? null : h("p", { class: "note" }, bodyNote),
    bodies,
  );
}

export const requestPage: Page = (root, session, id) => {
  let stopped = false;
  replace(root, h("p", { class: "muted" }, "Loading…"));
  api.request(id ?? "").then(
    (record) => {
      if (!stopped) show(root, record, session.bodies);
    },
    (error: Error) => {
      if (!stopped) replace(root, h("div", { class: "toolbar" }, h("a", { href: "#/requests" }, "← Latest requests")), h("p", { class: "error" }, error.message));
    },
  );
  return () => {
    stopped = true;
  };
};
