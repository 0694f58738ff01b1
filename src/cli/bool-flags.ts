// docker's flag library takes `--flag=false` and `-f=true` for every boolean flag (`build --no-cache=true`,
// `run --rm=false`, `history -H=false`); commander does not. This rewrites those forms, for the
// command the arguments select, into the plain and `--no-` flags commander knows.
import type { Command, Option } from 'commander';
import { UsageError, commandPath } from './usage-error.ts';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

const isBoolean = (o: Option): boolean => !o.required && !o.optional;
const takesValue = (o: Option | undefined): boolean => o !== undefined && (o.required || o.optional);

function findOption(cmd: Command, flag: string): Option | undefined {
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

/** The token(s) commander should see for boolean `opt` set to `value`. */
function rewrite(cmd: Command, opt: Option, value: boolean): string[] {
  const long = opt.long ?? opt.short!;
  if (opt.negate) {
    // `--no-trunc=true` is `--no-trunc`; `--no-trunc=false` leaves the default.
    return value ? [long] : [];
  }
  if (value) return [long];
  // `--human=false` (a flag on by default) is its `--no-` twin; a flag off by default is just absent.
  const negated = opt.long ? findOption(cmd, `--no-${opt.long.slice(2)}`) : undefined;
  return negated ? [negated.long!] : [];
}

/**
 * Rewrites argv (without node and the script) for `program`: the global flags, the verb (and its
 * subverb), then the verb's own flags, stopping at `--` and, for verbs that pass what follows their
 * first operand through (run, exec), at that operand.
 */
export function normalizeBoolFlags(program: Command, args: readonly string[]): string[] {
  const out: string[] = [];
  let cmd = program;
  let i = 0;
  let operands = false;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') {
      const sub = operands ? undefined : cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
      if (sub) {
        cmd = sub;
        out.push(a);
        continue;
      }
      operands = true;
      // run/exec: what follows IMAGE (or CONTAINER) is the container's command, never berth's flags.
      if ((cmd as unknown as { _passThroughOptions?: boolean })._passThroughOptions) break;
      out.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a : a.slice(0, eq);
    const opt = findOption(cmd, flag);
    if (eq >= 0 && opt && isBoolean(opt)) {
      const value = a.slice(eq + 1);
      if (!TRUE.has(value) && !FALSE.has(value)) {
        const names = [opt.short, opt.long].filter(Boolean).join(', ');
        throw new UsageError([
          `invalid argument "${value}" for "${names}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
          `See '${commandPath(cmd)} --help'.`,
        ].join('\n'));
      }
      out.push(...rewrite(cmd, opt, TRUE.has(value)));
      continue;
    }
    out.push(a);
    if (eq < 0 && takesValue(opt) && !opt!.optional && i + 1 < args.length) out.push(args[++i]!);
  }
  return [...out, ...args.slice(i)];
}
