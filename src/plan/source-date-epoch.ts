// SOURCE_DATE_EPOCH (reproducible-builds.org): the build arg BuildKit's Dockerfile frontend reads, from
// --build-arg or a global `ARG SOURCE_DATE_EPOCH=…` default; it pins the image's and history's
// `created` and is the time newer file mtimes are clamped to.
import { BerthError } from '../util/errors.ts';
import type { BuildPlan } from './types.ts';

export const SOURCE_DATE_EPOCH = 'SOURCE_DATE_EPOCH';

/** Seconds since 1970-01-01 UTC, or undefined when unset or empty (an empty value unsets it, as in BuildKit). */
export function parseSourceDateEpoch(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  if (!/^\d{1,12}$/.test(t)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid SOURCE_DATE_EPOCH: "${text}" is not a number of seconds`, {
      hint: 'give the seconds since 1970-01-01 UTC, e.g. SOURCE_DATE_EPOCH=$(git log -1 --pretty=%ct)',
    });
  }
  return Number(t);
}

/** The build's epoch: a --build-arg wins over the Dockerfile's global ARG default. */
export function sourceDateEpoch(plan: Pick<BuildPlan, 'buildArgs' | 'globalArgs'>): number | undefined {
  return parseSourceDateEpoch(plan.buildArgs.get(SOURCE_DATE_EPOCH) ?? plan.globalArgs.get(SOURCE_DATE_EPOCH));
}

/** The epoch as Go's RFC 3339 form of a whole second, as BuildKit writes `created` ("2023-01-10T12:34:56Z"). */
export function epochTimestamp(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
