// RUN: the command in a container over the stacked layers; its writes become the step's layer.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { RunInstruction } from '../../dockerfile/instructions/index.ts';
import { BerthError } from '../../util/errors.ts';
import { DEFAULT_SHELL } from '../apply-metadata.ts';
import { runFsStep } from '../fs-step.ts';
import { runHistory } from '../history.ts';
import { runHeredoc } from '../heredoc.ts';
import { checkRunEntitlements } from '../run-entitlements.ts';
import { mountKeyParts, resolveRunMounts } from '../run-mounts/resolve.ts';
import { mkdirInRoot } from '../scoped-path.ts';
import { tempName } from '../../util/atomic-file.ts';
import type { FsStepPlan, StepContext, StepInput } from './execute.ts';
import { makeDirs } from '../../util/make-dirs.ts';

const TAIL_LINES = 12;

/** Keeps the last lines a step printed, for the error message when it fails. */
class Tail extends Writable {
  private lines: string[] = [''];
  constructor(private readonly onData: (chunk: Buffer) => void) { super(); }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.onData(chunk);
    const parts = chunk.toString('utf8').split('\n');
    this.lines[this.lines.length - 1] = (this.lines[this.lines.length - 1] ?? '') + (parts[0] ?? '');
    this.lines.push(...parts.slice(1));
    if (this.lines.length > TAIL_LINES + 1) this.lines = this.lines.slice(-TAIL_LINES - 1);
    cb();
  }
  text(): string {
    return this.lines.filter((l, i) => l !== '' || i < this.lines.length - 1).slice(-TAIL_LINES).join('\n');
  }
}

export async function runStep(ctx: StepContext, input: StepInput): Promise<FsStepPlan> {
  const inst = input.inst as RunInstruction;
  const cfg = input.state.config.config ?? {};
  const heredoc = runHeredoc(inst);
  const script = heredoc?.script ?? (inst.command.form === 'shell' ? inst.command.script : '');
  const args = inst.command.form === 'exec' ? inst.command.args : [...(cfg.Shell ?? DEFAULT_SHELL), script];
  const env = ctx.vars.runEnv(cfg);
  // --network=default: the build's own network mode (--network), as for a RUN without the flag.
  const network = inst.network === undefined || inst.network === 'default' ? ctx.req.network : inst.network;
  const cwd = cfg.WorkingDir || '/';
  const history = runHistory(args, ctx.vars.historyArgs(cfg));
  checkRunEntitlements(inst, ctx.req.allow ?? new Set(), ctx.req.network);
  const mounts = await resolveRunMounts(ctx, input);
  // BuildKit (llb exec): a step with an ssh mount finds the first one's socket in SSH_AUTH_SOCK, unless it has its own.
  const ssh = mounts.find((m) => m.type === 'ssh');
  if (ssh && !env.some((e) => e.startsWith('SSH_AUTH_SOCK='))) env.push(`SSH_AUTH_SOCK=${ssh.target}`);
  const privileged = inst.security === 'insecure';
  const extraHosts = [...(ctx.req.extraHosts ?? [])];
  return {
    // A `#!` heredoc's body is in the key: the command line only names its file. A mount's options
    // and its source's identity are in it; a secret's value and a cache mount's contents are not.
    keyParts: [args, env, network, cfg.User ?? '', cwd, mountKeyParts(mounts), ...(heredoc?.kind === 'file' ? [heredoc.content] : []), ...(privileged ? ['security=insecure'] : []),
      // BuildKit's ExecOp meta holds the extra hosts: another --add-host is another step.
      ...(extraHosts.length ? [`add-host=${extraHosts.map((h) => `${h.host}:${h.ip}`).join(',')}`] : [])],
    run: async () => {
      const emit = (stream: 'stdout' | 'stderr') => (data: Buffer): void => ctx.deps.emit({ type: 'step-output', id: input.id, stream, data });
      const out = new Tail(emit('stdout'));
      const err = new Tail(emit('stderr'));
      let code = 0;
      // BuildKit mounts a `#!` heredoc read-only at /dev/pipes/<name>, mode 0755, for the shell to execute.
      const heredocDir = heredoc?.kind === 'file' ? tempName(ctx.deps.store.layout.tmpDir, 'heredoc') : undefined;
      if (heredoc?.kind === 'file' && heredocDir) {
        await makeDirs(heredocDir, 0o755);
        await writeFile(path.join(heredocDir, heredoc.name), heredoc.content, { mode: 0o755 });
      }
      const layer = await runFsStep(ctx.deps.store, input.state, async (root) => {
        await mkdirInRoot(root, cwd);
        // Loaded when a RUN runs (it brings the runtime): a cached step only needs its key.
        const { prepareRunMounts } = await import('../run-mounts/prepare.ts');
        const prepared = await prepareRunMounts(ctx, input, mounts);
        try {
          code = await ctx.deps.runContainer({
            args, env: [...env, ...prepared.env], cwd, user: cfg.User ?? '', rootfs: root, network, stdout: out, stderr: err,
            ...(ctx.req.signal ? { signal: ctx.req.signal } : {}),
            ...(heredocDir ? { heredocDir } : {}),
            ...(prepared.mounts.length ? { mounts: prepared.mounts } : {}),
            ...(prepared.bundlesDir ? { bundlesDir: prepared.bundlesDir } : {}),
            ...(privileged ? { privileged } : {}),
            ...(extraHosts.length ? { extraHosts } : {}),
          });
        } finally {
          await prepared.release();
        }
        if (code !== 0) {
          const shown = inst.command.form === 'exec' ? JSON.stringify(args) : `${args.slice(0, -1).join(' ')} ${args[args.length - 1]}`;
          const tail = [err.text(), out.text()].filter(Boolean).join('\n');
          throw new BerthError('BUILD_FAILED', `process "${shown}" did not complete successfully: exit code: ${code}`, {
            range: inst.range,
            ...(tail ? { hint: `the last lines it printed:\n${tail}` } : {}),
          });
        }
      }).finally(() => (heredocDir ? rm(heredocDir, { recursive: true, force: true }) : undefined));
      return { layer, createdBy: history };
    },
  };
}
