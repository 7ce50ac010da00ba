// Small DOM helpers every page uses. Data reaches the DOM only through textContent /
// setAttribute: never as HTML.

/** Create an element with optional class and text content. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A <button type="button"> with text, optional class and click handler. */
export function button(text, className, onClick) {
  const node = el('button', className, text);
  node.type = 'button';
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

/** An <option>. */
export function option(value, text) {
  const node = el('option', null, text);
  node.value = String(value);
  return node;
}

/** A table row whose one cell spans `colSpan` columns, e.g. to say there is nothing to list. */
export function wideRow(className, text, colSpan) {
  const td = el('td', className, text);
  td.colSpan = colSpan;
  const tr = el('tr');
  tr.append(td);
  return tr;
}

/** Read a JSON data attribute (`data-api-urls` → key `apiUrls`). */
export function readJSON(node, key) {
  return JSON.parse(node.dataset[key]);
}

/** A URL template such as "/api/cells/{id}/assignments" with the id filled in. */
export function withId(template, id) {
  return template.replace('{id}', encodeURIComponent(String(id)));
}
