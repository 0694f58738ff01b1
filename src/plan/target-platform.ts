// `--platform` for a build: containerd's spellings normalized (amd64, linux/x86_64, aarch64…), and only
// the host's platform accepted, since berth runs RUN steps natively and has no emulation.
import { BerthError, type SourceRange } from '../util/errors.ts';
import { formatPlatform, hostPlatform, type Platform } from './platform.ts';

/** containerd's architecture aliases (platforms.normalizeArch), with the variant each implies. */
const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  'x86_64': { architecture: 'amd64' }, 'x86-64': { architecture: 'amd64' }, 'amd64': { architecture: 'amd64' },
  'i386': { architecture: '386' }, '386': { architecture: '386' },
  'aarch64': { architecture: 'arm64' }, 'arm64': { architecture: 'arm64' },
  'armhf': { architecture: 'arm', variant: 'v7' }, 'armel': { architecture: 'arm', variant: 'v6' },
};

const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'plan9', 'android', 'ios', 'js', 'wasip1']);

/** Compares the way containerd matches: arm64's v8 variant is its default and may be left out. */
function variantOf(p: Platform): string {
  const v = p.variant ?? '';
  return p.architecture === 'arm64' && v === 'v8' ? '' : v;
}

export function samePlatform(a: Platform, b: Platform): boolean {
  return a.os === b.os && a.architecture === b.architecture && variantOf(a) === variantOf(b);
}

/**
 * One platform as docker takes it: `os/arch[/variant]`, a bare `arch` (linux assumed) or a bare
 * `os` (the host's architecture), case-insensitive, architecture aliases normalized.
 */
export function normalizePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  const bad = (): never => {
    throw new BerthError('INVALID_ARGUMENT', `invalid platform "${text}"`, { hint: 'write it as os/arch[/variant], e.g. linux/amd64' });
  };
  if (parts.length > 3 || parts.some((p) => p === '')) bad();
  const host = hostPlatform();
  let os: string;
  let arch: string | undefined;
  let variant: string | undefined;
  if (parts.length === 1) {
    if (KNOWN_OS.has(parts[0]!)) { os = parts[0]!; arch = os === host.os ? host.architecture : undefined; variant = os === host.os ? host.variant : undefined; }
    else { os = 'linux'; arch = parts[0]; }
  } else {
    [os, arch, variant] = parts as [string, string, string | undefined];
  }
  if (arch === undefined) return bad();
  const alias = ARCH_ALIASES[arch];
  const architecture = alias?.architecture ?? arch;
  variant ??= alias?.variant;
  if (architecture === 'arm64' && variant === 'v8') variant = undefined;
  return { os, architecture, variant };
}

function notHost(p: Platform, what: string, range?: SourceRange): BerthError {
  const host = formatPlatform(hostPlatform());
  return new BerthError('UNSUPPORTED_PLATFORM', `${what} ${formatPlatform(p)} is not this machine's platform ${host}: berth builds only for the host platform (it has no emulation)`, {
    hint: `build for ${host} (leave --platform out, or pass --platform ${host})`,
    ...(range ? { range } : {}),
  });
}

/**
 * The target platform of `berth build --platform …` (flags repeated or comma-separated): undefined
 * when none was given; the host's, spelled as the user wrote it normalized, when every entry names it.
 */
export function targetPlatform(specs: readonly string[] | undefined): Platform | undefined {
  const list = (specs ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) return undefined;
  const host = hostPlatform();
  let chosen: Platform | undefined;
  for (const text of list) {
    const p = normalizePlatform(text);
    if (!samePlatform(p, host)) throw notHost(p, 'platform');
    chosen ??= p;
  }
  return chosen;
}

/** A stage whose FROM --platform asks for another platform cannot be built here either. */
export function checkStagePlatform(p: Platform, range: SourceRange): void {
  if (!samePlatform(p, hostPlatform())) throw notHost(p, 'FROM --platform', range);
}
