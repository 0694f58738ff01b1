// A list of examples, one item per entry.
import { h } from '../lib/render.js';

export function ExampleList({ items }) {
  return h('ul', { className: 'examples' },
    items.map((item) => h('li', { 'data-example': item.name }, h('code', null, `examples/${item.name}`), ` ${item.what}`)));
}
