// The page header.
import { h } from '../lib/render.js';

export function Header({ title }) {
  return h('header', { className: 'header' }, h('h1', null, title));
}
