// The page: a header and the list of things the examples containerize.
import { h } from '../lib/render.js';
import { ExampleList } from './ExampleList.js';
import { Header } from './Header.js';

const examples = [
  { name: 'node', what: 'A Node.js web server' },
  { name: 'static-nginx', what: 'This site: built by Node, served by nginx' },
  { name: 'postgres', what: 'PostgreSQL with an init script' },
  { name: 'curl', what: 'A command-line tool run once' },
];

export function App({ builtAt }) {
  return h('main', { className: 'app' },
    h(Header, { title: 'Hello from a berth-built static site' }),
    h('p', null, 'Rendered from components in a Node build stage, served by nginx from a second stage.'),
    h(ExampleList, { items: examples }),
    h('footer', null, `Built on ${builtAt}.`));
}
