// The site's build: renders the App component tree to dist/index.html and copies the stylesheet to
// dist/assets/ under a content-hashed name (so it can be cached forever), as bundlers do.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { App } from './src/components/App.js';
import { h, renderToString } from './src/lib/render.js';

const dist = new URL('./dist/', import.meta.url);
await rm(dist, { recursive: true, force: true });
await mkdir(new URL('assets/', dist), { recursive: true });

const css = await readFile(new URL('./src/styles.css', import.meta.url));
const cssName = `assets/styles.${createHash('sha256').update(css).digest('hex').slice(0, 10)}.css`;
await writeFile(new URL(cssName, dist), css);

const body = renderToString(h(App, { builtAt: new Date().toISOString().slice(0, 10) }));
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Built with berth</title>
<link rel="stylesheet" href="/${cssName}">
</head>
<body>
<div id="root">${body}</div>
</body>
</html>
`;
await writeFile(new URL('index.html', dist), html);
console.log(`built dist/index.html (${html.length} bytes) and dist/${cssName} (${css.length} bytes)`);
