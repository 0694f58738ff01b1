// Platforms ("linux/amd64", "linux/arm64/v8") and choosing one manifest from an image index as
// docker does: same OS and architecture, the variant when one is asked for (arm64 means v8).
import type { Descriptor } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The platform of this machine, docker's default for pulls. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: ARCH[process.arch] ?? process.arch };
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new BerthError('INVALID_ARGUMENT', `invalid platform "${text}"`, { hint: 'give os[/arch[/variant]], e.g. linux/amd64 or linux/arm64/v8' });
  }
  const [os, arch, variant] = parts as [string, string | undefined, string | undefined];
  const architecture = arch === undefined ? hostPlatform().architecture : arch === 'x86_64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normalVariant(p: { architecture: string; variant?: string | undefined }): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === '')) return 'v8';
  return p.variant || undefined;
}

/** The index entry for `want`, or an error listing what the index offers. */
export function selectManifest(manifests: readonly Descriptor[], want: Platform, indexName: string): Descriptor {
  const matches = manifests.filter((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
  const wantVariant = normalVariant(want);
  const exact = matches.find((m) => normalVariant(m.platform!) === wantVariant);
  const pick = exact ?? (want.variant === undefined ? matches[0] : undefined);
  if (pick) return pick;
  const offered = manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!));
  throw new BerthError('NOT_FOUND', `no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${indexName}`, {
    hint: offered.length ? `the image has: ${[...new Set(offered)].join(', ')}; choose one with --platform` : 'the index names no platforms',
  });
}
