/** A tiny element builder: text is always set as text, never parsed as HTML. */
export type Child = Node | string | false | null | undefined;
export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== false && c !== null && c !== undefined && c !== '') el.append(c);
}

/** Replaces `el`'s children and keeps the keyboard focus on the element with the same `data-key`, if it survives. */
export function replaceKeepingFocus(el: Element, ...children: Child[]): void {
  const focused =
    document.activeElement instanceof HTMLElement && el.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
  el.replaceChildren();
  append(el, children);
  if (focused) focusKey(focused);
}

export function focusKey(key: string): boolean {
  const target = document.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  target?.focus();
  return !!target;
}
