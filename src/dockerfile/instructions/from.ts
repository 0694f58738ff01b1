// FROM [--platform=P] image [AS name]
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';

const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;

export const parseFrom: KeywordParser = (node) => {
  const flags = flagsOf(node, { platform: 'string' });
  const args = node.args;
  if (args.length !== 1 && !(args.length === 3 && args[1]!.toLowerCase() === 'as')) {
    fail(node, 'FROM requires either one argument, or three: FROM <image> [AS <name>]');
  }
  const stageName = args.length === 3 ? args[2]! : undefined;
  if (stageName !== undefined && !STAGE_NAME.test(stageName.toLowerCase())) {
    fail(node, `invalid name for build stage: "${stageName}", name can't start with a number or contain symbols`);
  }
  return { kind: 'from', ...base(node), image: args[0]!, stageName: stageName?.toLowerCase(), platform: flags.string('platform') };
};
