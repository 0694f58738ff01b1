// The three builders, behind one interface: berth (the bundled CLI, bin/berth), docker's BuildKit
// (a private dockerd, DOCKER_BUILDKIT=1) and buildah (its own storage under the bench's temp dir).
// Each gets the same busybox base image, imported from the same tarball.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DockerEngine, dockerdUnavailable, which } from '../test/helpers/dockerd.ts';
import { measure, run, type Command } from './measure.ts';
import { BASE_TAG } from './scenarios.ts';

export type ToolName = 'berth' | 'buildkit' | 'buildah';

export interface BuildOptions {
  tag: string;
  noCache: boolean;
}

export interface Tool {
  readonly name: ToolName;
  readonly version: string;
  /** The command that builds `context` (the Dockerfile in it) with no network for RUN. */
  build(context: string, opts: BuildOptions): Command;
  /** Forgets the image `tag` and every cache a next build could use (not timed). */
  reset(tag: string): Promise<void>;
  /** Stops and removes everything the tool had. */
  close(): Promise<void>;
}

const REPO = path.resolve(import.meta.dirname, '..');
export const BERTH_BIN = path.join(REPO, 'bin', 'berth');

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = text.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts whatever is left under `dir` and removes it. */
export function removeTree(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
  rmSync(dir, { recursive: true, force: true });
}

export class Berth implements Tool {
  readonly name = 'berth';
  private constructor(private readonly root: string, readonly version: string) {}

  static async create(dir: string, baseTar: string): Promise<Berth> {
    if (!existsSync(path.join(REPO, 'dist', 'berth.js'))) throw new Error('the CLI is not built: run `npm run build` first');
    const root = path.join(dir, 'berth-store');
    const version = (await run({ file: BERTH_BIN, args: ['--version'] })).trim();
    const tool = new Berth(root, version);
    await run(tool.cli(['import', baseTar, BASE_TAG]));
    return tool;
  }

  private cli(args: string[]): Command {
    return { file: BERTH_BIN, args: ['--root', this.root, ...args] };
  }

  build(context: string, opts: BuildOptions): Command {
    return this.cli(['build', '-q', '--network', 'none', ...(opts.noCache ? ['--no-cache'] : []), '-t', opts.tag, context]);
  }

  async reset(tag: string): Promise<void> {
    // rmi collects the image's blobs and snapshots; builder prune the step records, the checksum
    // memo and the layers only they kept (docker's builder prune -af).
    await measure(this.cli(['rmi', tag])).catch(() => undefined);
    await run(this.cli(['builder', 'prune', '-a', '-f']));
  }

  async close(): Promise<void> {
    removeTree(this.root);
  }
}

export class BuildKit implements Tool {
  readonly name = 'buildkit';
  private constructor(private readonly engine: DockerEngine, private readonly cli: string, readonly version: string) {}

  /** Starts a private dockerd, imports the base and finds a docker CLI whose `build` speaks BuildKit. */
  static async create(dir: string, baseTar: string): Promise<BuildKit> {
    const why = dockerdUnavailable();
    if (why) throw new Error(why);
    const engine = await DockerEngine.start();
    try {
      engine.docker(['import', baseTar, BASE_TAG]);
      const probe = path.join(dir, 'buildkit-probe');
      mkdirSync(probe, { recursive: true });
      writeFileSync(path.join(probe, 'Dockerfile'), `FROM ${BASE_TAG}\nRUN echo probe > /probe\n`);
      // Debian's 20.10 CLI has BuildKit built in; a newer CLI needs the buildx plugin for it.
      const candidates = [...new Set(['/usr/bin/docker', which('docker')].filter((c): c is string => c !== undefined && existsSync(c)))];
      const errors: string[] = [];
      for (const cli of candidates) {
        try {
          await run({ file: cli, args: ['build', '-q', '--network', 'none', '-t', 'bench/probe', probe], env: engine.env({ DOCKER_BUILDKIT: '1' }) });
          const version = spawnSync(cli, ['version', '--format', 'engine {{.Server.Version}}, CLI {{.Client.Version}}'], { env: engine.env(), encoding: 'utf8' }).stdout.trim();
          const tool = new BuildKit(engine, cli, version);
          await tool.reset('bench/probe');
          return tool;
        } catch (e) {
          errors.push(`${cli}: ${(e as Error).message.split('\n').slice(-2).join(' ')}`);
        }
      }
      throw new Error(`no docker CLI here builds with BuildKit (${errors.join('; ')})`);
    } catch (e) {
      await engine.stop();
      throw e;
    }
  }

  build(context: string, opts: BuildOptions): Command {
    return {
      file: this.cli,
      args: ['build', '-q', '--network', 'none', ...(opts.noCache ? ['--no-cache'] : []), '-t', opts.tag, context],
      env: this.engine.env({ DOCKER_BUILDKIT: '1' }),
    };
  }

  async reset(tag: string): Promise<void> {
    this.engine.run(['rmi', '-f', tag]);
    this.engine.docker(['builder', 'prune', '-af']);
  }

  async close(): Promise<void> {
    await this.engine.stop();
  }
}

export class Buildah implements Tool {
  readonly name = 'buildah';
  private constructor(private readonly dir: string, private readonly bin: string, private isolation: string, private readonly release: string) {}

  get version(): string {
    return `${this.release} (--isolation ${this.isolation})`;
  }

  static async create(dir: string, baseTar: string): Promise<Buildah> {
    const bin = which('buildah');
    if (!bin) throw new Error('buildah is not installed (Debian package buildah)');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const tool = new Buildah(path.join(dir, 'buildah'), bin, 'oci', version);
    try {
      const ctr = (await run(tool.cli(['from', 'scratch']))).trim();
      await run(tool.cli(['add', ctr, baseTar, '/']));
      await run(tool.cli(['commit', '-q', ctr, `docker.io/${BASE_TAG}`]));
      await run(tool.cli(['rm', ctr]));
      // OCI isolation (runc, as berth and BuildKit use) where it works, else chroot.
      const probe = path.join(dir, 'buildah-probe');
      mkdirSync(probe, { recursive: true });
      writeFileSync(path.join(probe, 'Dockerfile'), `FROM ${BASE_TAG}\nRUN echo probe > /probe\n`);
      try {
        await run(tool.build(probe, { tag: 'bench/probe', noCache: true }));
      } catch {
        tool.isolation = 'chroot';
        await run(tool.build(probe, { tag: 'bench/probe', noCache: true }));
      }
      await tool.reset('bench/probe');
    } catch (e) {
      await tool.close();
      throw e;
    }
    return tool;
  }

  private cli(args: string[]): Command {
    return { file: this.bin, args: ['--storage-driver', 'overlay', '--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'run'), ...args] };
  }

  build(context: string, opts: BuildOptions): Command {
    return this.cli(['bud', '--layers', '--pull=never', '--isolation', this.isolation, '--network', 'none', '-q',
      ...(opts.noCache ? ['--no-cache'] : []), '-t', opts.tag, context]);
  }

  async reset(tag: string): Promise<void> {
    await measure(this.cli(['rmi', '-f', tag])).catch(() => undefined);
    await measure(this.cli(['rmi', '--prune'])).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (existsSync(this.dir)) {
      await measure(this.cli(['rm', '--all'])).catch(() => undefined);
      await measure(this.cli(['rmi', '--all', '--force'])).catch(() => undefined);
    }
    removeTree(this.dir);
  }
}
