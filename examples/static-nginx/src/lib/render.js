// A tiny React-style element model: h(type, props, ...children) builds elements, function
// components take props and return elements, renderToString turns a tree into escaped HTML.

export function h(type, props, ...children) {
  return { type, props: { ...(props ?? {}), children: children.flat() } };
}

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => escapes[c]);
const voidTags = new Set(['br', 'hr', 'img', 'input', 'link', 'meta']);

export function renderToString(node) {
  if (node === null || node === undefined || node === false || node === true) return '';
  if (Array.isArray(node)) return node.map(renderToString).join('');
  if (typeof node !== 'object') return escape(node);
  if (typeof node.type === 'function') return renderToString(node.type(node.props));
  const { children, ...attributes } = node.props;
  const attrs = Object.entries(attributes)
    .filter(([, value]) => value !== false && value !== null && value !== undefined)
    .map(([name, value]) => ` ${name === 'className' ? 'class' : name}="${escape(value)}"`)
    .join('');
  if (voidTags.has(node.type)) return `<${node.type}${attrs}>`;
  return `<${node.type}${attrs}>${renderToString(children)}</${node.type}>`;
}
