// The keyword → parser table.
import { parseAdd } from './add.ts';
import { parseArg } from './arg.ts';
import { parseCmd } from './cmd.ts';
import type { KeywordParser } from './contract.ts';
import { parseCopy } from './copy.ts';
import { parseEntrypoint } from './entrypoint.ts';
import { parseEnv } from './env.ts';
import { parseExpose } from './expose.ts';
import { parseFrom } from './from.ts';
import { parseHealthcheck } from './healthcheck.ts';
import { parseLabel } from './label.ts';
import { parseMaintainer } from './maintainer.ts';
import { parseOnbuild } from './onbuild.ts';
import { parseRun } from './run.ts';
import { parseShell } from './shell.ts';
import { parseStopsignal } from './stopsignal.ts';
import { parseUser } from './user.ts';
import { parseVolume } from './volume.ts';
import { parseWorkdir } from './workdir.ts';

export const KEYWORD_PARSERS: Readonly<Record<string, KeywordParser>> = {
  add: parseAdd, arg: parseArg, cmd: parseCmd, copy: parseCopy, entrypoint: parseEntrypoint, env: parseEnv,
  expose: parseExpose, from: parseFrom, healthcheck: parseHealthcheck, label: parseLabel,
  maintainer: parseMaintainer, onbuild: parseOnbuild, run: parseRun, shell: parseShell,
  stopsignal: parseStopsignal, user: parseUser, volume: parseVolume, workdir: parseWorkdir,
};
