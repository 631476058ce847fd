/**
 * The only way the webview builds DOM. Span data is hostile, so text goes in through
 * textContent and attributes through setAttribute, and attributes that can run script or load
 * a URL are refused outright: a mistake here throws instead of opening a hole.
 */
const forbiddenAttribute = /^(on.*|href|src|srcset|srcdoc|action|formaction|xlink:href|style|poster|data|background|ping)$/i;

export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function setSafeAttribute(element: Element, name: string, value: string): void {
  if (forbiddenAttribute.test(name)) throw new Error(`refusing to set attribute ${name}`);
  element.setAttribute(name, value);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, children: readonly (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className !== undefined) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  if (props.title !== undefined) element.title = props.title;
  if (props.attrs) for (const [name, value] of Object.entries(props.attrs)) setSafeAttribute(element, name, value);
  for (const child of children) element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

export function button(label: string, onClick: (event: MouseEvent) => void, props: ElementProps = {}): HTMLButtonElement {
  const element = h('button', { ...props, text: label, attrs: { type: 'button', ...props.attrs } });
  element.addEventListener('click', onClick);
  return element;
}

/** Replaces an element's children with text that may contain highlighted ranges. */
export function setHighlightedText(element: HTMLElement, text: string, needle: string): void {
  if (needle === '') {
    if (element.textContent !== text) element.textContent = text;
    return;
  }
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) {
    element.textContent = text;
    return;
  }
  element.textContent = '';
  const mark = document.createElement('mark');
  mark.textContent = text.slice(at, at + needle.length);
  element.append(document.createTextNode(text.slice(0, at)), mark, document.createTextNode(text.slice(at + needle.length)));
}
