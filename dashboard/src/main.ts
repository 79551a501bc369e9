// The dashboard's entry: sign-in with the admin key, then a hash router over four pages. Nothing here
// loads anything but this gateway's own files and API.
import "../style.css";
import { api, ApiError, forgetKey, storedKey, storeKey, whenUnauthorized } from "./api.ts";
import { h, replace } from "./dom.ts";
import type { Page } from "./page.ts";
import { keysPage } from "./pages/keys.ts";
import { overviewPage } from "./pages/overview.ts";
import { requestPage } from "./pages/request.ts";
import { requestsPage } from "./pages/requests.ts";
import type { SessionInfo } from "../../runtime/endpoints/dashboard-api.ts";

const app = document.getElementById("app")!;

const ROUTES: Array<{ pattern: RegExp; page: Page; nav: string }> = [
  { pattern: /^#?\/?$/, page: overviewPage, nav: "overview" },
  { pattern: /^#\/requests\/?$/, page: requestsPage, nav: "requests" },
  { pattern: /^#\/requests\/([^/]+)$/, page: requestPage, nav: "requests" },
  { pattern: /^#\/keys\/?$/, page: keysPage, nav: "keys" },
];

let stopPage: (() => void) | null = null;

function login(message = ""): void {
  stopPage?.();
  stopPage = null;
  const input = h("input", { type: "password", name: "admin-key", autocomplete: "current-password", required: true, autofocus: true, "aria-label": "admin key" });
  const error = h("p", { class: "error", role: "alert", "data-testid": "login-error" }, message);
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "login card" },
    h("h1", null, "Switchyard"),
    h("p", { class: "muted" }, "Sign in with the gateway's admin key (SWITCHYARD_ADMIN_KEY). It stays in this tab only."),
    h("label", null, h("span", null, "Admin key"), input),
    submit,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    api.session(input.value).then(
      (session) => {
        storeKey(input.value);
        start(session);
      },
      (failure: Error) => {
        error.textContent = failure instanceof ApiError && failure.status === 401 ? failure.message : `cannot reach the gateway: ${failure.message}`;
        submit.disabled = false;
      },
    );
  });
  replace(app, h("main", { class: "center" }, form));
  input.focus();
}

function start(session: SessionInfo): void {
  const nav = h("nav", null,
    h("a", { href: "#/", "data-nav": "overview" }, "Overview"),
    h("a", { href: "#/requests", "data-nav": "requests" }, "Requests"),
    h("a", { href: "#/keys", "data-nav": "keys" }, "Keys"),
  );
  const main = h("main");
  const signOut = h("button", { type: "button", class: "secondary" }, "Sign out");
  signOut.addEventListener("click", () => {
    forgetKey();
    window.removeEventListener("hashchange", route);
    login();
  });
  replace(app, h("header", null, h("a", { class: "brand", href: "#/" }, "Switchyard"), h("span", { class: "env" }, session.env), nav, h("span", { class: "spacer" }), signOut), main);

  function route(): void {
    stopPage?.();
    const hash = location.hash;
    const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m !== null);
    for (const link of nav.querySelectorAll("a")) link.classList.toggle("active", link.dataset.nav === (match?.r.nav ?? ""));
    if (match === undefined) {
      replace(main, h("p", null, "No such page. ", h("a", { href: "#/" }, "Overview")));
      stopPage = null;
      return;
    }
    const param = match.m![1] === undefined ? undefined : decodeURIComponent(match.m![1]);
    stopPage = match.r.page(main, session, param);
  }
  window.addEventListener("hashchange", route);
  whenUnauthorized(() => {
    forgetKey();
    window.removeEventListener("hashchange", route);
    login("The gateway no longer accepts that admin key: sign in again.");
  });
  route();
}

const key = storedKey();
if (key === null) login();
else
  api.session(key).then(start, (error: Error) => {
    forgetKey();
    login(error instanceof ApiError && error.status === 401 ? "" : `cannot reach the gateway: ${error.message}`);
  });
