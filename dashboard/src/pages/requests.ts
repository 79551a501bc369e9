// The latest requests this instance finished, newest first, refreshed every few seconds; a row opens the
// request's drill-down (#/requests/<id>).
import { api } from "../api.ts";
import { h, replace, table } from "../dom.ts";
import { int, ms, time, usd } from "../format.ts";
import type { Page } from "../page.ts";
import type { RequestSummary } from "../../../runtime/endpoints/dashboard-api.ts";

const REFRESH_MS = 5000;

export function statusPill(status: number): HTMLElement {
  const kind = status >= 500 ? "bad" : status >= 400 ? "warn" : "ok";
  return h("span", { class: `pill ${kind}`, "data-status": status }, String(status));
}

function keyText(r: RequestSummary): string {
  if (r.key_id === null) return "–";
  return r.key_name ?? r.key_id;
}

export const requestsPage: Page = (root, session) => {
  const outcome = h("select", { "aria-label": "outcome", "data-testid": "outcome" }, h("option", { value: "" }, "All"), h("option", { value: "error" }, "Errors"), h("option", { value: "ok" }, "Successful"));
  const live = h("input", { type: "checkbox", checked: true, "aria-label": "refresh automatically" });
  const list = h("div", { "data-table": "requests" });
  const status = h("span", { class: "muted", "data-testid": "updated" });
  replace(
    root,
    h("div", { class: "toolbar" },
      h("h1", null, "Latest requests"),
      h("span", { class: "muted" }, `the last ${int(session.recent_requests)} this instance finished`),
      h("span", { class: "spacer" }),
      status,
      outcome,
      h("label", { class: "check" }, live, "Live"),
    ),
    h("section", { class: "card" }, list),
  );

  let stopped = false;
  let latest = 0;
  async function refresh(): Promise<void> {
    const seq = ++latest;
    try {
      const query = new URLSearchParams({ limit: "200" });
      if (outcome.value !== "") query.set("outcome", outcome.value);
      const answer = await api.requests(query.toString());
      if (stopped || seq !== latest) return;
      replace(list, table(
        [
          { label: "Time" }, { label: "Status" }, { label: "Model" }, { label: "Key" }, { label: "Route" }, { label: "Served by" },
          { label: "Latency", numeric: true }, { label: "TTFB", numeric: true }, { label: "Tokens in / out", numeric: true }, { label: "Cost", numeric: true },
        ],
        answer.data.map((r) => ({
          cells: [
            h("a", { href: `#/requests/${encodeURIComponent(r.id)}`, title: r.id }, time(r.time)),
            statusPill(r.status),
            r.model ?? "–",
            keyText(r),
            r.route ?? "–",
            r.served_by === null ? "–" : `${r.served_by}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ""}`,
            ms(r.latency_ms),
            ms(r.ttfb_ms),
            r.input_tokens === null ? "–" : `${int(r.input_tokens)} / ${int(r.output_tokens)}`,
            usd(r.cost_usd),
          ],
          props: { "data-request": r.id, class: "link-row", onclick: (event: MouseEvent) => {
            if ((event.target as HTMLElement).closest("a") === null) location.hash = `#/requests/${encodeURIComponent(r.id)}`;
          } },
        })),
        outcome.value === "" ? "No requests yet. Send one through the gateway and it shows here." : "No such requests among the latest.",
      ));
      status.textContent = `${int(answer.kept)} kept · updated ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
      status.classList.remove("error");
    } catch (error) {
      if (stopped || seq !== latest) return;
      status.textContent = (error as Error).message;
      status.classList.add("error");
    }
  }
  outcome.addEventListener("change", () => void refresh());
  void refresh();
  const timer = setInterval(() => {
    if (live.checked && document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
};
