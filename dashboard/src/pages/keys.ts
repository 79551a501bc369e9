// Client keys through the admin API (/admin/keys): each key with its policy and where its budget stands
// this period, 30 days of spend; create a key (its text is shown once), revoke one (refused by every
// gateway sharing the store within about a second).
import { api, type KeyReport, type KeyView } from "../api.ts";
import { h, replace, table } from "../dom.ts";
import { dateTime, int, usd } from "../format.ts";
import type { Page } from "../page.ts";

/** Reports are one call per key; this many at a time. */
const PARALLEL = 6;

async function reports(keys: readonly KeyView[]): Promise<Map<string, KeyReport>> {
  const out = new Map<string, KeyReport>();
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      out.set(key.id, await api.keyReport(key.id));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, keys.length) }, worker));
  return out;
}

function budgetCell(report: KeyReport | undefined): HTMLElement | string {
  const budget = report?.budget;
  if (budget === null || budget === undefined) return "none";
  const used = budget.spent_usd + budget.reserved_usd;
  const share = budget.usd === 0 ? 1 : Math.min(1, used / budget.usd);
  const meter = h("div", { class: `meter ${share >= 1 ? "bad" : share >= 0.8 ? "warn" : "ok"}` }, h("div", { class: "meter-fill" }));
  (meter.firstChild as HTMLElement).style.width = `${share * 100}%`;
  return h("div", { class: "budget", "data-budget": report!.id },
    h("div", null, `${usd(budget.spent_usd)} of ${usd(budget.usd)} per ${budget.period}`),
    meter,
    h("div", { class: "muted small" }, `${usd(budget.remaining_usd)} left${budget.resets_at ? ` · resets ${dateTime(budget.resets_at)}` : ""}`),
  );
}

function limits(key: KeyView): string {
  const parts = [key.rpm === null ? null : `${int(key.rpm)} req/min`, key.tpm === null ? null : `${int(key.tpm)} tok/min`].filter(Boolean);
  return parts.length === 0 ? "none" : parts.join(", ");
}

function createForm(onCreated: (created: KeyView & { key: string }) => void): HTMLElement {
  const name = h("input", { name: "name", required: true, maxlength: 200, placeholder: "alice, ci, …", autocomplete: "off" });
  const models = h("input", { name: "models", placeholder: "every model, or gpt-4o*,claude-*", autocomplete: "off" });
  const rpm = h("input", { name: "rpm", type: "number", min: 1, step: 1, placeholder: "none" });
  const tpm = h("input", { name: "tpm", type: "number", min: 1, step: 1, placeholder: "none" });
  const budget = h("input", { name: "budget_usd", type: "number", min: 0, step: "any", placeholder: "none" });
  const period = h("select", { name: "budget_period" }, ["month", "week", "day", "total"].map((p) => h("option", { value: p }, p)));
  const expires = h("input", { name: "expires", placeholder: "never, or 30d, 12h", autocomplete: "off" });
  const message = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit" }, "Create key");
  const field = (label: string, input: HTMLElement) => h("label", null, h("span", null, label), input);
  const form = h("form", { class: "form", "data-testid": "create-key" },
    field("Name", name), field("Models", models), field("Requests per minute", rpm), field("Tokens per minute", tpm),
    field("Budget (USD)", budget), field("Budget period", period), field("Expires in", expires),
    h("div", { class: "form-actions" }, submit), message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input: Record<string, unknown> = { name: name.value };
    if (models.value.trim() !== "") input.models = models.value;
    if (rpm.value !== "") input.rpm = Number(rpm.value);
    if (tpm.value !== "") input.tpm = Number(tpm.value);
    if (budget.value !== "") {
      input.budget_usd = Number(budget.value);
      input.budget_period = period.value;
    }
    if (expires.value.trim() !== "") input.expires = expires.value.trim();
    submit.disabled = true;
    message.textContent = "";
    api.createKey(input).then(
      (created) => {
        form.reset();
        onCreated(created);
      },
      (error: Error) => {
        message.textContent = error.message;
      },
    ).finally(() => {
      submit.disabled = false;
    });
  });
  return form;
}

export const keysPage: Page = (root) => {
  let stopped = false;
  const list = h("div", { "data-table": "keys" });
  const created = h("div");
  const status = h("span", { class: "muted", "data-testid": "updated" });
  replace(
    root,
    h("div", { class: "toolbar" }, h("h1", null, "Keys"), h("span", { class: "muted" }, "client keys in the store, shared by every instance"), h("span", { class: "spacer" }), status),
    created,
    h("section", { class: "card" }, list),
    h("section", { class: "card" }, h("h2", null, "New key"), createForm((key) => {
      replace(created, h("div", { class: "card created", "data-testid": "created-key" },
        h("h2", null, `Created ${key.name} (${key.id})`),
        h("p", null, "Copy the key now: it is shown once and stored nowhere."),
        h("code", { class: "secret", "data-testid": "new-key" }, key.key),
        h("button", { type: "button", class: "secondary", onclick: () => replace(created) }, "Done"),
      ));
      void refresh();
    })),
  );

  function revokeButton(key: KeyView): HTMLElement | string {
    if (key.status !== "active") return "";
    const button = h("button", { type: "button", class: "danger", "data-revoke": key.id }, "Revoke");
    let armed: ReturnType<typeof setTimeout> | null = null;
    button.addEventListener("click", () => {
      // Two clicks: a slip of the mouse must not cut a team off.
      if (armed === null) {
        button.textContent = "Confirm revoke";
        button.classList.add("armed");
        armed = setTimeout(() => {
          armed = null;
          button.textContent = "Revoke";
          button.classList.remove("armed");
        }, 5000);
        return;
      }
      clearTimeout(armed);
      button.disabled = true;
      api.revokeKey(key.id).then(
        () => void refresh(),
        (error: Error) => {
          status.textContent = error.message;
          status.classList.add("error");
          button.disabled = false;
        },
      );
    });
    return button;
  }

  async function refresh(): Promise<void> {
    try {
      const { data } = await api.keys();
      const spend = await reports(data);
      if (stopped) return;
      replace(list, table(
        [{ label: "Key" }, { label: "Status" }, { label: "Models" }, { label: "Rate limits" }, { label: "Budget this period" }, { label: "Spent, 30 days", numeric: true }, { label: "Created" }, { label: "" }],
        data.map((key) => {
          const report = spend.get(key.id);
          return {
            cells: [
              h("div", null, h("strong", null, key.name), h("div", { class: "muted small" }, key.id)),
              h("span", { class: `pill ${key.status === "active" ? "ok" : "bad"}`, "data-key-status": key.status }, key.status),
              key.models === null ? "all" : key.models.join(", "),
              limits(key),
              budgetCell(report),
              report === undefined ? "–" : h("div", null, usd(report.spend.cost_usd), h("div", { class: "muted small" }, `${int(report.spend.requests)} request${report.spend.requests === 1 ? "" : "s"}`)),
              dateTime(key.created_at),
              revokeButton(key),
            ],
            props: { "data-key": key.id, class: key.status === "active" ? null : "inactive" },
          };
        }),
        "No keys yet: create one below, or with `switchyard keys create`.",
      ));
      status.textContent = `${int(data.length)} keys · updated ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
      status.classList.remove("error");
    } catch (error) {
      if (stopped) return;
      status.textContent = (error as Error).message;
      status.classList.add("error");
    }
  }
  void refresh();
  return () => {
    stopped = true;
  };
};
