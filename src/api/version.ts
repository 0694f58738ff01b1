// berth's version: injected by the esbuild bundle, read from package.json when running from source.
import { readFileSync } from 'node:fs';

function versionFromPackageJson(): string {
  // Only reached under tsx, where this file sits at src/api/version.ts.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown';
}

export const version: string = typeof BERTH_VERSION === 'string' ? BERTH_VERSION : versionFromPackageJson();
