// `ps --filter`: docker's keys over container records; values of one key are alternatives, keys all apply.
import type { ContainerRecord } from '../container/index.ts';
import { BerthError } from '../util/errors.ts';

export interface ContainerFilters {
  /** Whether the filters show stopped containers without `-a` (docker: any status= filter does). */
  impliesAll: boolean;
  /** Tests a record; `order` is every record, newest first (for before= and since=). */
  test(rec: ContainerRecord, order: readonly ContainerRecord[]): boolean;
}

const KEYS = 'id, name, label, status, exited, ancestor, before and since';
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Resolves a container or image name the filter refers to; throws NOT_FOUND as the CLI words it. */
export interface FilterLookups {
  container(text: string): Promise<ContainerRecord>;
  imageId(text: string): Promise<string>;
}

function invalid(message: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', message, { hint: `berth ps supports the filters ${KEYS}` });
}

/** docker matches id= and name= as (unanchored) regular expressions, and a value equal to the field. */
function pattern(key: string, value: string): (s: string) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(value);
  } catch {
    throw invalid(`invalid filter '${key}=${value}': not a regular expression`);
  }
  return (s) => s === value || re.test(s);
}

export async function parseContainerFilters(filters: readonly string[], lookups: FilterLookups): Promise<ContainerFilters> {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalid(`bad format of filter (expected name=value): ${f}`);
    const key = f.slice(0, eq).toLowerCase();
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  const tests: Array<(rec: ContainerRecord, order: readonly ContainerRecord[]) => boolean> = [];
  for (const [key, values] of byKey) {
    switch (key) {
      case 'id': {
        const ps = values.map((v) => pattern(key, v));
        tests.push((r) => ps.some((p) => p(r.Id)));
        break;
      }
      case 'name': {
        // docker's names carry a leading slash ("/web"): `name=^/web$` and `name=^web$` both find web.
        const ps = values.map((v) => pattern(key, v));
        tests.push((r) => ps.some((p) => p(`/${r.Name}`) || p(r.Name)));
        break;
      }
      case 'label': {
        const want = values.map((v) => { const i = v.indexOf('='); return i < 0 ? [v, undefined] as const : [v.slice(0, i), v.slice(i + 1)] as const; });
        // Each label= must hold (docker ANDs label filters).
        tests.push((r) => want.every(([k, v]) => k in r.Config.Labels && (v === undefined || r.Config.Labels[k] === v)));
        break;
      }
      case 'status': {
        for (const v of values) if (!STATUSES.includes(v)) throw invalid(`invalid filter 'status=${v}': use one of ${STATUSES.join(', ')}`);
        tests.push((r) => values.includes(r.State.Status));
        break;
      }
      case 'exited': {
        const codes = values.map((v) => {
          if (!/^-?\d+$/.test(v)) throw invalid(`invalid filter 'exited=${v}': an exit code is a number`);
          return Number(v);
        });
        tests.push((r) => r.State.Status === 'exited' && codes.includes(r.State.ExitCode));
        break;
      }
      case 'ancestor': {
        const ids = await Promise.all(values.map((v) => lookups.imageId(v)));
        tests.push((r) => ids.includes(r.Image));
        break;
      }
      case 'before':
      case 'since': {
        if (values.length > 1) throw invalid(`filter '${key}' takes one container`);
        const ref = await lookups.container(values[0]!);
        // Records come newest first: before= lists those after it in that order, since= those ahead of it.
        tests.push((r, order) => {
          const at = order.findIndex((o) => o.Id === ref.Id);
          const i = order.findIndex((o) => o.Id === r.Id);
          return key === 'before' ? i > at : i < at;
        });
        break;
      }
      default:
        throw invalid(`invalid filter '${key}'`);
    }
  }
  return { impliesAll: byKey.has('status'), test: (rec, order) => tests.every((t) => t(rec, order)) };
}
