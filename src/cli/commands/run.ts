// `berth run`: docker's flags for creating and running a container; IMAGE's command and its flags pass through.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { attachContainer, killContainers, resizeContainer, runContainer } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { collect, parseInteger } from '../options.ts';
import { attachTerminal, refuseNonTerminalInput, terminalSize } from '../terminal.ts';
import { berthCommand, refuseFlags } from './container-flags.ts';

export function defineRun(program: Command): void {
  program
    .command('run')
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    // `-h` is --hostname here, as in docker.
    .helpOption('--help', 'Print usage')
    // Everything after IMAGE belongs to the container's command: `berth run alpine ls -l`.
    .passThroughOptions()
    .argument('<image>')
    .argument('[command...]')
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip)', collect)
    .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', collect)
    .option('--cap-add <capability>', 'Add Linux capabilities', collect)
    .option('--cap-drop <capability>', 'Drop Linux capabilities', collect)
    .option('--cidfile <string>', 'Write the container ID to the file')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--dns <ip>', 'Set custom DNS servers', collect)
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-e, --env <key=value>', 'Set environment variables', collect)
    .option('--env-file <file>', 'Read in a file of environment variables', collect)
    .option('--expose <port>', 'Expose a port or a range of ports', collect)
    .option('-h, --hostname <string>', 'Container host name')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-l, --label <key=value>', 'Set meta data on a container', collect)
    .option('--label-file <file>', 'Read in a line delimited file of labels', collect)
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect)
    .option('--name <string>', 'Assign a name to the container')
    .option('--network <network>', 'Connect a container to a network')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--privileged', 'Give extended privileges to this container')
    .option('-p, --publish <port>', "Publish a container's port(s) to the host", collect)
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('--pull <string>', 'Pull image before running ("always", "missing", "never")', 'missing')
    .option('-q, --quiet', 'Suppress the pull output')
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--restart <string>', 'Restart policy to apply when a container exits', 'no')
    .option('--rm', 'Automatically remove the container and its associated anonymous volumes when it exits')
    .option('--security-opt <option>', 'Security Options', collect)
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container', parseInteger)
    .option('--tmpfs <path>', 'Mount a tmpfs directory', collect)
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--ulimit <ulimit>', 'Ulimit options', collect)
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-v, --volume <list>', 'Bind mount a volume', collect)
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .action(runAction);
}

interface RunFlags {
  detach?: boolean; rm?: boolean; name?: string; env?: string[]; envFile?: string[]; publish?: string[]; publishAll?: boolean;
  volume?: string[]; workdir?: string; user?: string; entrypoint?: string; network?: string; interactive?: boolean; tty?: boolean;
  init?: boolean; [other: string]: unknown;
}

// docker's flags berth refuses by name rather than ignore.
const NOT_YET: Record<string, string> = {
  attach: '--attach', capAdd: '--cap-add', capDrop: '--cap-drop', cidfile: '--cidfile', cpus: '--cpus', dns: '--dns',
  expose: '--expose', memory: '--memory', mount: '--mount',
  platform: '--platform', privileged: '--privileged', pull: '--pull', readOnly: '--read-only', restart: '--restart',
  securityOpt: '--security-opt', tmpfs: '--tmpfs', ulimit: '--ulimit',
};

/** Signals a foreground `run` passes on to its container, as docker's sig-proxy does. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

async function runAction(image: string, command: string[], flags: RunFlags, cmd: Command): Promise<void> {
  refuseFlags(flags, NOT_YET, { pull: 'missing', restart: 'no' });
  const { root } = globalOptions(cmd);
  if (!flags.detach && refuseNonTerminalInput('run', flags.interactive === true, flags.tty === true)) return;
  const size = flags.tty ? terminalSize() : undefined;
  const started = await runContainer(root, {
    image, cmd: command, berth: berthCommand(),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.entrypoint !== undefined ? { entrypoint: flags.entrypoint } : {}),
    ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.network !== undefined ? { network: flags.network } : {}),
    ...(typeof flags.stopSignal === 'string' ? { stopSignal: flags.stopSignal } : {}),
    ...(typeof flags.stopTimeout === 'number' ? { stopTimeout: flags.stopTimeout } : {}),
    ...(typeof flags.hostname === 'string' ? { hostname: flags.hostname } : {}),
    ...(Array.isArray(flags.addHost) ? { addHosts: flags.addHost as string[] } : {}),
    ...(Array.isArray(flags.label) ? { labels: flags.label as string[] } : {}),
    ...(Array.isArray(flags.labelFile) ? { labelFiles: flags.labelFile as string[] } : {}),
    env: flags.env ?? [], envFiles: flags.envFile ?? [], publish: flags.publish ?? [], publishAll: flags.publishAll === true,
    volumes: flags.volume ?? [], detach: flags.detach === true, autoRemove: flags.rm === true, interactive: flags.interactive === true,
    tty: flags.tty === true, init: flags.init === true, ...(size ? { consoleSize: size } : {}),
  });
  for (const w of started.warnings) process.stderr.write(`WARNING: ${w}\n`);
  if (started.error !== undefined) {
    // The container exists but its command could not start: docker's 126/127 (or 125), no ID printed.
    process.stderr.write(`berth: Error response from daemon: ${started.error}.\n`);
    process.exitCode = started.exitCode ?? 125;
    // Waited for (so --rm removes it) but not shown: its only output is the runtime's copy of the
    // error just printed, and docker shows that error once.
    if (!flags.detach) await attachContainer(root, started.id, { stdout: discard(), stderr: discard() });
    return;
  }
  if (flags.detach) {
    process.stdout.write(`${started.id}\n`);
    return;
  }
  const forward = (signal: NodeJS.Signals): void => void killContainers(root, [started.id], signal).catch(() => {});
  // docker turns its sig-proxy off with -t: the terminal's own keys (Ctrl-C) reach the container instead.
  const forwarded = flags.tty ? [] : FORWARDED;
  for (const s of forwarded) process.on(s, forward);
  const detachTerminal = flags.tty ? attachTerminal(flags.interactive === true, size, (h, w) => void resizeContainer(root, started.id, h, w).catch(() => {})) : undefined;
  try {
    const result = await attachContainer(root, started.id, {
      stdout: process.stdout, stderr: process.stderr, ...(flags.interactive ? { stdin: process.stdin } : {}),
    });
    process.exitCode = result.exitCode;
  } finally {
    detachTerminal?.();
    for (const s of forwarded) process.off(s, forward);
  }
  // stdin may still be open (run -i with a terminal): do not wait for it.
  if (flags.interactive) process.stdin.destroy();
}

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });
