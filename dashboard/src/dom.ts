// A few lines instead of a framework: `h` builds elements, and text always goes in as text (textContent),
// never as HTML, so a model name, a key name or a request body can never become markup.

export type Child = Node | string | number | null | undefined | false;

/** Attributes (`class`, `data-*`, `aria-*`, …) as strings; `on*` as listeners; booleans toggle attributes. */
export type Props = Record<string, string | number | boolean | null | undefined | ((event: any) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const name in props ?? {}) {
    const value = props![name];
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Array<Child | Child[]>): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** A table from column headers and rows of cells; `numeric` columns are right-aligned. */
export function table(columns: ReadonlyArray<{ label: string; numeric?: boolean }>, rows: ReadonlyArray<{ cells: Child[]; props?: Props }>, empty = "Nothing yet."): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    null,
    h("thead", null, h("tr", null, columns.map((c) => h("th", { class: c.numeric ? "num" : null }, c.label)))),
    h(
      "tbody",
      null,
      rows.map((row) => h("tr", row.props ?? null, row.cells.map((cell, i) => h("td", { class: columns[i]?.numeric ? "num" : null }, cell)))),
    ),
  );
}
