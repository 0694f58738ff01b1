// Commander's parse errors rewritten in docker's words ("unknown flag: --foo" + "See 'berth build --help'.").
import type { Command, CommanderError } from 'commander';

/** A mistake in how berth was invoked; its message is the complete text for stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "berth system df" (or "system df" without the program name). */
export function commandPath(cmd: Command, withProgram = true): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return (withProgram ? names : names.slice(1)).join(' ');
}

export function usageErrorText(err: CommanderError, cmd: Command): string {
  const path = commandPath(cmd);
  const see = `See '${path} --help'.`;
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  const suggestion = /\(Did you mean (.+)\?\)/.exec(err.message)?.[1];
  const didYouMean = suggestion ? [`Did you mean ${suggestion}?`] : [];
  switch (err.code) {
    case 'commander.unknownOption': {
      const head = quoted.startsWith('--') ? `unknown flag: ${quoted}` : `unknown shorthand flag: '${quoted.slice(1, 2)}' in ${quoted}`;
      return [head, ...didYouMean, see].join('\n');
    }
    case 'commander.unknownCommand': {
      const name = [commandPath(cmd, false), quoted].filter(Boolean).join(' ');
      return [`berth: '${name}' is not a berth command.`, ...didYouMean, see].join('\n');
    }
    case 'commander.missingArgument':
    case 'commander.excessArguments':
      return [arityText(cmd), see, '', `Usage:  ${path} ${cmd.usage()}`, '', cmd.summary() || cmd.description()].join('\n');
    case 'commander.optionMissingArgument':
      return [`flag needs an argument: ${longFlag(quoted)}`, see].join('\n');
    case 'commander.invalidArgument': {
      const m = /option '([^']+)' argument '([^']*)' is invalid\.\s*(.*)$/s.exec(err.message);
      if (m) return [`invalid argument "${m[2]}" for "${flagNames(m[1] ?? '')}" flag: ${m[3]}`, see].join('\n');
      break;
    }
  }
  return [err.message.replace(/^error: /, ''), see].join('\n');
}

/** docker's arity messages: `"berth tag" requires exactly 2 arguments.` */
export function arityText(cmd: Command): string {
  const args = cmd.registeredArguments;
  const required = args.filter((a) => a.required).length;
  const optional = args.length - required;
  const name = `"${commandPath(cmd)}"`;
  const count = (k: number): string => `${k} argument${k === 1 ? '' : 's'}`;
  if (args.some((a) => a.variadic)) return `${name} requires at least ${count(required)}.`;
  if (args.length === 0) return `${name} accepts no arguments.`;
  if (optional === 0) return `${name} requires exactly ${count(required)}.`;
  if (required === 0) return `${name} requires at most ${count(optional)}.`;
  return `${name} requires at least ${required} and at most ${count(required + optional)}.`;
}

/** "-t, --tag <name:tag>" → "--tag" */
function longFlag(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flagNames(flags);
}

/** "-n, --last <int>" → "-n, --last" */
function flagNames(flags: string): string {
  return flags.replace(/\s*[<[].*$/, '');
}
