// Platforms (os/arch[/variant]) and the automatic platform ARGs BuildKit predefines.
import { BerthError } from '../util/errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant: string | undefined;
}

const NODE_ARCH: Record<string, { architecture: string; variant?: string }> = {
  x64: { architecture: 'amd64' }, arm64: { architecture: 'arm64', variant: 'v8' }, arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' }, ppc64: { architecture: 'ppc64le' }, s390x: { architecture: 's390x' }, riscv64: { architecture: 'riscv64' },
};

export function hostPlatform(): Platform {
  const a = NODE_ARCH[process.arch] ?? { architecture: process.arch };
  return { os: 'linux', architecture: a.architecture, variant: a.variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new BerthError('INVALID_ARGUMENT', `invalid platform "${text}"`, { hint: 'write it as os/arch[/variant], e.g. linux/amd64' });
  }
  const architecture = parts[1] === 'x86_64' ? 'amd64' : parts[1] === 'aarch64' ? 'arm64' : parts[1]!;
  return { os: parts[0]!, architecture, variant: parts[2] };
}

/** BUILDPLATFORM, TARGETPLATFORM and their parts, as BuildKit defines them for every build. */
export function platformArgs(build: Platform, target: Platform): Map<string, string> {
  const m = new Map<string, string>();
  const put = (prefix: string, p: Platform): void => {
    m.set(`${prefix}PLATFORM`, formatPlatform(p));
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? '');
  };
  put('BUILD', build);
  put('TARGET', target);
  m.set('TARGETSTAGE', '');
  return m;
}

/** Proxy ARGs usable by RUN without a declaration and left out of the image history. */
export const PROXY_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);
