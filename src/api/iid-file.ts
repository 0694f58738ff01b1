// `--iidfile`: the built image's ID written where the user asked, a failure named as the flag's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

export async function writeIidFile(file: string, id: string): Promise<void> {
  try {
    await writeFile(path.resolve(file), id);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? `directory ${path.dirname(path.resolve(file))} does not exist` : err.message;
    throw new BerthError('INVALID_ARGUMENT', `cannot write the image ID to --iidfile ${file}: ${why}`, { cause: e, hint: 'the image was built and stored; name a writable file' });
  }
}
