// Overview: this instance's traffic over a chosen window (requests, errors, p50/p95 latency, tokens, by model
// and by key), and spend per day over 30 days from the store's ledger, which every instance shares.
import { api } from "../api.ts";
import { timeChart, type Chart } from "../chart.ts";
import { h, replace, table } from "../dom.ts";
import { int, ms, percent, usd } from "../format.ts";
import type { Page } from "../page.ts";
import type { OverviewWindow, SpendReport } from "../../../runtime/endpoints/dashboard-api.ts";

const WINDOWS = [
  { minutes: 15, label: "15 min" },
  { minutes: 60, label: "1 hour" },
  { minutes: 360, label: "6 hours" },
  { minutes: 1440, label: "24 hours" },
];
const SPEND_DAYS = 30;
const REFRESH_MS = 10_000;

const COLORS = { requests: "#2563eb", client: "#d97706", server: "#dc2626", p50: "#059669", p95: "#7c3aed", input: "#0891b2", output: "#4f46e5", cost: "#0d9488" };

function stat(name: string, label: string, value: string, detail?: string): HTMLElement {
  return h("div", { class: "stat", "data-stat": name }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, value), detail ? h("div", { class: "stat-detail" }, detail) : null);
}

function card(title: string, ...body: Array<Node | null>): HTMLElement {
  return h("section", { class: "card" }, h("h2", null, title), ...body);
}

function keyLabel(id: string | null, name: string | null): string {
  if (id === null) return "(no key)";
  if (name !== null) return `${name} (${id})`;
  // A presented key the store does not know is grouped by a prefix of its hash (never the key itself).
  return id.startsWith("key_") || id === "(other)" ? id : `unknown key ${id}`;
}

export const overviewPage: Page = (root, session) => {
  const hours = session.history_hours;
  const windows = WINDOWS.filter((w) => w.minutes <= hours * 60);
  let minutes = Number(sessionStorage.getItem("switchyard.window")) || 60;
  if (!windows.some((w) => w.minutes === minutes)) minutes = windows[0]?.minutes ?? 15;

  const select = h("select", { "aria-label": "window", "data-testid": "window" }, windows.map((w) => h("option", { value: w.minutes, selected: w.minutes === minutes }, `Last ${w.label}`)));
  const stats = h("div", { class: "stats" });
  const requestsChart = h("div", { class: "chart", "data-chart": "requests" });
  const latencyChart = h("div", { class: "chart", "data-chart": "latency" });
  const tokensChart = h("div", { class: "chart", "data-chart": "tokens" });
  const spendChart = h("div", { class: "chart", "data-chart": "spend" });
  const byModel = h("div", { "data-table": "by-model" });
  const byKey = h("div", { "data-table": "by-key" });
  const spendByModel = h("div", { "data-table": "spend-by-model" });
  const spendByKey = h("div", { "data-table": "spend-by-key" });
  const status = h("span", { class: "muted", "data-testid": "updated" });

  replace(
    root,
    h("div", { class: "toolbar" }, h("h1", null, "Overview"), h("span", { class: "muted" }, `this instance, live (${session.env})`), h("span", { class: "spacer" }), status, select),
    stats,
    h("div", { class: "grid" },
      card("Requests per minute", requestsChart),
      card("Latency (p50 / p95)", latencyChart),
      card("Tokens per minute", tokensChart),
      card(`Spend per day, last ${SPEND_DAYS} days (all instances)`, spendChart),
    ),
    h("div", { class: "grid" }, card("By model", byModel), card("By key", byKey)),
    h("div", { class: "grid" }, card(`Spend by model, last ${SPEND_DAYS} days`, spendByModel), card(`Spend by key, last ${SPEND_DAYS} days`, spendByKey)),
  );

  const windowLabel = () => `last ${windows.find((w) => w.minutes === minutes)?.label ?? `${minutes} min`}`;
  const charts: Chart[] = [];
  const requests = timeChart(requestsChart, [
    { label: "Requests", color: COLORS.requests, format: int, fill: true },
    { label: "4xx", color: COLORS.client, format: int },
    { label: "5xx", color: COLORS.server, format: int },
  ], { idleX: windowLabel });
  const latency = timeChart(latencyChart, [
    { label: "p50", color: COLORS.p50, format: ms, points: true },
    { label: "p95", color: COLORS.p95, format: ms, points: true },
  ], { idleX: windowLabel });
  const tokens = timeChart(tokensChart, [
    { label: "Input", color: COLORS.input, format: int, fill: true },
    { label: "Output", color: COLORS.output, format: int, fill: true },
  ], { idleX: windowLabel });
  const spend = timeChart(spendChart, [{ label: "Cost", color: COLORS.cost, format: usd, bars: true }], { daily: true, idleX: () => `last ${SPEND_DAYS} days` });
  charts.push(requests, latency, tokens, spend);

  function showWindow(view: OverviewWindow): void {
    const t = view.totals;
    replace(
      stats,
      stat("requests", "Requests", int(t.requests), windowLabel()),
      stat("errors", "Error rate", percent(t.error_rate), `${int(t.client_errors)} 4xx · ${int(t.server_errors)} 5xx`),
      stat("p50", "p50 latency", ms(t.p50_ms)),
      stat("p95", "p95 latency", ms(t.p95_ms)),
      stat("tokens", "Tokens", int(t.input_tokens + t.output_tokens), `${int(t.input_tokens)} in · ${int(t.output_tokens)} out`),
      stat("cost", "Cost", usd(t.cost_usd)),
    );
    const s = view.series;
    requests.update(s.t, [s.requests, s.client_errors, s.server_errors], [int(t.requests), int(t.client_errors), int(t.server_errors)]);
    latency.update(s.t, [s.p50_ms, s.p95_ms], [ms(t.p50_ms), ms(t.p95_ms)]);
    tokens.update(s.t, [s.input_tokens, s.output_tokens], [int(t.input_tokens), int(t.output_tokens)]);
    const columns = [{ label: "" }, { label: "Requests", numeric: true }, { label: "Errors", numeric: true }, { label: "Input tokens", numeric: true }, { label: "Output tokens", numeric: true }, { label: "Cost", numeric: true }];
    replace(byModel, table(
      [{ ...columns[0]!, label: "Model" }, ...columns.slice(1)],
      view.by_model.map((m) => ({ cells: [m.model, int(m.requests), int(m.errors), int(m.input_tokens), int(m.output_tokens), usd(m.cost_usd)], props: { "data-model": m.model } })),
      `No requests in the ${windowLabel()}.`,
    ));
    replace(byKey, table(
      [{ ...columns[0]!, label: "Key" }, ...columns.slice(1)],
      view.by_key.map((k) => ({ cells: [keyLabel(k.key_id, k.key_name), int(k.requests), int(k.errors), int(k.input_tokens), int(k.output_tokens), usd(k.cost_usd)], props: { "data-key": k.key_id ?? "" } })),
      `No requests in the ${windowLabel()}.`,
    ));
  }

  function showSpend(report: SpendReport): void {
    spend.update(report.by_day.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), [report.by_day.map((d) => d.cost_usd)], [usd(report.totals.cost_usd)]);
    const columns = [{ label: "Requests", numeric: true }, { label: "Input tokens", numeric: true }, { label: "Output tokens", numeric: true }, { label: "Cost", numeric: true }];
    // The ledger's input tokens exclude cache reads and writes; the live view's prompt tokens include them.
    const input = (r: SpendReport["totals"]) => r.input_tokens + r.cache_read_tokens + r.cache_write_tokens;
    replace(spendByModel, table(
      [{ label: "Model" }, ...columns],
      report.by_model.map((m) => ({ cells: [m.model, int(m.requests), int(input(m)), int(m.output_tokens), usd(m.cost_usd)], props: { "data-model": m.model } })),
      "Nothing spent yet.",
    ));
    replace(spendByKey, table(
      [{ label: "Key" }, ...columns],
      report.by_key.map((k) => ({ cells: [keyLabel(k.key_id, k.key_name), int(k.requests), int(input(k)), int(k.output_tokens), usd(k.cost_usd)], props: { "data-key": k.key_id ?? "" } })),
      "Nothing spent yet.",
    ));
  }

  let stopped = false;
  /** Answers to an older refresh (another window was chosen meanwhile) are dropped. */
  let latest = 0;
  async function refresh(): Promise<void> {
    const seq = ++latest;
    try {
      const [view, report] = await Promise.all([api.overview(minutes), api.spend(SPEND_DAYS)]);
      if (stopped || seq !== latest) return;
      showWindow(view);
      showSpend(report);
      status.textContent = `updated ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
      status.classList.remove("error");
    } catch (error) {
      if (stopped || seq !== latest) return;
      status.textContent = (error as Error).message;
      status.classList.add("error");
    }
  }
  select.addEventListener("change", () => {
    minutes = Number(select.value);
    sessionStorage.setItem("switchyard.window", String(minutes));
    void refresh();
  });
  void refresh();
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    for (const chart of charts) chart.destroy();
  };
};
