// Turns a RUN's resolved mounts into what the container gets: bind and tmpfs mounts, environment
// entries (secrets with env=), and the place for its runc bundle; and undoes all of it afterwards.
import { execFile } from 'node:child_process';
import { chmod, chown, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RunInstruction } from '../../dockerfile/instructions/index.ts';
import { resolveInRoot, type ExtraMount } from '../../runtime/index.ts';
import { prepareSnapshot, type MutableSnapshot } from '../../snapshot/index.ts';
import { tempName } from '../../util/atomic-file.ts';
import { BerthError } from '../../util/errors.ts';
import type { StepContext, StepInput } from '../steps/execute.ts';
import type { BuildState } from '../types.ts';
import { acquireCacheDir } from './cache-dirs.ts';
import type { ResolvedMount } from './resolve.ts';
import { createSecretsDir, type SecretsDir } from './secrets-dir.ts';
import { startSshProxy } from './ssh-proxy.ts';
import { makeDirs } from '../../util/make-dirs.ts';

const run = promisify(execFile);

export interface PreparedMounts {
  mounts: ExtraMount[];
  /** NAME=value entries for the process only (secrets): never in the key, the config or the history. */
  env: string[];
  /** Set when the process's spec holds a secret: its bundle goes to the secrets tmpfs. */
  bundlesDir: string | undefined;
  release(): Promise<void>;
}

/** An overlay view of another stage's or image's layers; writes to it land in a throwaway upper dir. */
async function mountState(ctx: StepContext, state: BuildState): Promise<{ snap: MutableSnapshot; work: string }> {
  const store = ctx.deps.store;
  const work = tempName(store.layout.tmpDir, 'mount');
  await makeDirs(work);
  const lowers: string[] = [];
  for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
  return { snap: await prepareSnapshot(work, lowers), work };
}

export async function prepareRunMounts(ctx: StepContext, input: StepInput, mounts: readonly ResolvedMount[]): Promise<PreparedMounts> {
  const inst = input.inst as RunInstruction;
  const tmpDir = ctx.deps.store.layout.tmpDir;
  const undo: Array<() => Promise<void>> = [];
  const out: PreparedMounts = {
    mounts: [], env: [], bundlesDir: undefined,
    async release() {
      for (const u of undo.reverse()) await u().catch(() => undefined);
      undo.length = 0;
    },
  };
  const fail = (message: string, hint: string): never => {
    throw new BerthError('BUILD_FAILED', message, { range: inst.range, hint });
  };
  const heldCaches = new Map<string, string>();
  let secrets: SecretsDir | undefined;
  const secretsDir = async (): Promise<SecretsDir> => {
    if (!secrets) {
      const s = await createSecretsDir(tmpDir, mounts.filter((m) => m.type === 'secret').length);
      secrets = s;
      undo.push(() => s.release());
      out.bundlesDir = s.dir;
    }
    return secrets;
  };
  /** A host path of `from` (a copy of the context, or a view of a stage) for `m.source`. */
  const sourcePath = async (m: ResolvedMount): Promise<string> => {
    if (m.from.kind === 'context') {
      const dir = tempName(tmpDir, 'mount');
      await makeDirs(dir);
      undo.push(() => rm(dir, { recursive: true, force: true }));
      await ctx.deps.contextMount.copy(m.source, `${dir}/src`);
      return `${dir}/src`;
    }
    if (m.from.kind !== 'state') throw new BerthError('INTERNAL', `a ${m.type} mount has no source`);
    const { snap, work } = await mountState(ctx, m.from.state);
    undo.push(async () => { await snap.release(); await rm(work, { recursive: true, force: true }); });
    const resolved = await resolveInRoot(snap.root, m.source);
    if (resolved.missing !== undefined) {
      fail(`RUN --mount: ${m.source} does not exist in ${m.from.name}`, 'source is a path in the stage or image named by from=');
    }
    return resolved.path;
  };

  try {
    for (const m of mounts) {
      if (m.type === 'tmpfs') {
        out.mounts.push({ type: 'tmpfs', destination: m.target, ...(m.size !== undefined ? { size: m.size } : {}) });
      } else if (m.type === 'bind') {
        // rw: the writes go to a copy (context) or an overlay's upper dir (stage), both thrown away.
        out.mounts.push({ type: 'bind', source: await sourcePath(m), destination: m.target, readonly: m.readOnly });
      } else if (m.type === 'cache') {
        const setOwner = m.source === '/' && (m.uid !== undefined || m.gid !== undefined || m.mode !== undefined);
        // BuildKit keys a cache by its id and the base it starts from (a stage's subdir, or an empty dir with an owner and mode).
        const base = JSON.stringify([m.identity, setOwner ? [m.uid ?? 0, m.gid ?? 0, m.mode ?? 0o755] : null]);
        // One cache mounted twice by a step is one directory (a second lock on it would wait for the first forever).
        const same = heldCaches.get(`${m.id}\0${base}`);
        if (same !== undefined) {
          out.mounts.push({ type: 'bind', source: same, destination: m.target, readonly: m.readOnly });
          continue;
        }
        const held = await acquireCacheDir({
          storeRoot: ctx.deps.store.layout.root, tmpDir, id: m.id, sharing: m.sharing, signal: ctx.req.signal, base,
          init: async (dir) => {
            if (m.from.kind === 'state') await run('cp', ['-a', `${await sourcePath(m)}/.`, `${dir}/`]);
            if (setOwner) {
              await chown(dir, m.uid ?? 0, m.gid ?? 0);
              await chmod(dir, m.mode ?? 0o755);
            }
          },
        });
        undo.push(() => held.release());
        heldCaches.set(`${m.id}\0${base}`, held.dir);
        out.mounts.push({ type: 'bind', source: held.dir, destination: m.target, readonly: m.readOnly });
      } else if (m.type === 'secret') {
        const value = ctx.req.secrets?.get(m.id);
        if (value === undefined) {
          if (m.required) fail(`secret ${m.id} not found`, `pass it with berth build --secret id=${m.id},src=FILE (or env=VARIABLE)`);
          continue; // BuildKit: a missing optional secret is simply not mounted
        }
        if (m.target !== '') {
          const mode = m.mode ?? 0o400;
          const file = await (await secretsDir()).write(m.id, value, mode, m.uid ?? 0, m.gid ?? 0);
          out.mounts.push({ type: 'bind', source: file, destination: m.target, readonly: true, options: ['nosuid', 'nodev', ...(mode & 0o111 ? [] : ['noexec'])] });
        }
        if (m.env !== undefined) {
          if (value.includes(0)) fail(`secret ${m.id} holds a NUL byte and cannot be an environment variable`, 'mount it as a file instead (drop env=)');
          await secretsDir(); // the bundle, whose config.json holds the environment, must live on the tmpfs
          out.env.push(`${m.env}=${value.toString('utf8')}`);
        }
      } else {
        const agent = ctx.req.ssh?.get(m.id);
        if (agent === undefined) {
          if (m.required) fail(`no SSH key "${m.id}" forwarded from the client`, `pass an agent with berth build --ssh ${m.id === 'default' ? 'default' : `${m.id}=SOCKET`}`);
          continue;
        }
        const proxy = await startSshProxy(tmpDir, agent, { mode: m.mode ?? 0o600, uid: m.uid ?? 0, gid: m.gid ?? 0 });
        undo.push(() => proxy.close());
        out.mounts.push({ type: 'bind', source: proxy.socket, destination: m.target });
      }
    }
  } catch (e) {
    await out.release();
    throw e;
  }
  return out;
}
