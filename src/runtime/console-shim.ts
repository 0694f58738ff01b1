// A container's pseudo-terminal: runc in detached mode hands its master over a console socket to a tiny python3 shim, which relays it and reports the process's exit status.
//
// Why a python3 shim: runc gives the terminal it creates (runc docs/terminals.md, "detached" mode)
// only as a file descriptor sent with SCM_RIGHTS over --console-socket, which Node cannot receive.
// runc's foreground mode would proxy the terminal itself, but only to a terminal of its own, which a
// supervisor (or `exec -t` with its output piped) does not have. With `-d`, runc exits once the
// process runs, so the shim makes itself a child subreaper (as containerd-shim and conmon do): the
// process is re-parented to it and its exit status is not lost. The shim relays master → its stdout
// and its stdin → master, applies "ROWS COLS" lines read on fd 3 as window sizes, and exits with the
// process's code (128 + n for signal n). runc's own failures stay in runc's --log, as without a
// terminal; the shim's own are on its stderr.
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { findExecutable } from './network.ts';

/** argv: SOCKET PIDFILE -- RUNC ARGS...; stdin, stdout and fd 3 (sizes) as the caller wired them. */
const SHIM = String.raw`
import ctypes, fcntl, os, select, signal, socket, struct, sys, termios
sock_path, pid_file, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
try:
    os.fstat(3)  # checked before anything here opens a descriptor that could take number 3
    ctl_open = True
except OSError:
    ctl_open = False
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
    signal.signal(s, signal.SIG_DFL)
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit('berth console shim: prctl(PR_SET_CHILD_SUBREAPER) failed')
wake_r, wake_w = os.pipe()
for fd in (wake_r, wake_w):
    os.set_blocking(fd, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
null = os.open(os.devnull, os.O_RDWR)
runc = os.fork()
if runc == 0:
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
statuses, master, target, size = {}, None, None, None
stdin_open, master_open, pending, ctl_buf = True, True, b'', b''

def reap():
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = st

def code(st):
    c = os.waitstatus_to_exitcode(st)
    return 128 - c if c < 0 else c

def write_all(fd, data):
    while data:
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            select.select([], [fd], [])

def resize():
    if master is not None and size is not None:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', size[0], size[1], 0, 0))

while True:
    if target is None and runc in statuses:
        if code(statuses[runc]) != 0:
            sys.exit(code(statuses[runc]))
        if master is None:
            sys.exit('berth console shim: runc started the process without sending its terminal')
        with open(pid_file) as f:
            target = int(f.read().strip())
    ended = target is not None and target in statuses
    if ended and not master_open:
        break
    rl, wl = [wake_r], []
    if master is None:
        rl.append(srv)
    elif master_open:
        rl.append(master)
        if pending:
            wl.append(master)
        elif stdin_open:
            rl.append(0)
    if ctl_open:
        rl.append(3)
    try:
        r, w, _ = select.select(rl, wl, [], 0.2 if ended else None)
    except InterruptedError:
        continue
    if ended and not r and not w:
        break  # the process is gone; whatever still holds its terminal (a background child) is not waited for
    if wake_r in r:
        try:
            os.read(wake_r, 512)
        except BlockingIOError:
            pass
        reap()
    if srv in r:
        conn, _ = srv.accept()
        _, fds, _, _ = socket.recv_fds(conn, 1, 1)
        conn.close()
        if fds:
            master = fds[0]
            os.set_blocking(master, False)
            resize()
    if master is not None and master in r:
        try:
            data = os.read(master, 65536)
            if data:
                write_all(1, data)
            else:
                master_open = False
        except BlockingIOError:
            pass
        except OSError:
            master_open = False  # EIO: every holder of the terminal's other side has closed it
    if 0 in r:
        try:
            pending = os.read(0, 65536)
            stdin_open = pending != b''
        except BlockingIOError:
            pass
    if master is not None and master in w:
        try:
            pending = pending[os.write(master, pending):]
        except BlockingIOError:
            pass
        except OSError:
            pending = b''
    if 3 in r:
        try:
            chunk = os.read(3, 4096)
        except BlockingIOError:
            chunk = None
        if chunk == b'':
            ctl_open = False
        elif chunk:
            ctl_buf += chunk
            *lines, ctl_buf = ctl_buf.split(b'\n')
            for line in lines:
                parts = line.split()
                if len(parts) == 2 and all(p.isdigit() for p in parts):
                    size = (int(parts[0]), int(parts[1]))
                    resize()
sys.exit(code(statuses[target]))
`;

/** Linux's sun_path is 108 bytes including the NUL. */
const MAX_SOCKET_PATH = 107;

export interface ConsoleShim {
  /** The program and its arguments: the shim wrapping runc's `args` (which must leave room for the console flags). */
  command: [string, ...string[]];
  /** Flags for runc: `-d`/`--detach`, the console socket and the pid file. */
  runcFlags: string[];
}

/**
 * The shim's command line for one runc invocation; `dir` (a private directory) receives the socket
 * and pid file. `runcArgs(flags)` builds runc's arguments with the console flags in place.
 */
export async function consoleShim(dir: string, runc: string, runcArgs: (flags: string[]) => string[]): Promise<ConsoleShim> {
  const python = await findExecutable('python3');
  if (python === undefined) {
    throw new BerthError('MISSING_DEPENDENCY', 'python3 is not installed; berth relays a container\'s terminal (-t) with it', {
      hint: 'install it (apt-get install python3), or run without -t',
    });
  }
  const socketPath = path.join(dir, 'console.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new BerthError('INVALID_ARGUMENT', `state directory path is too long for a unix socket: ${socketPath}`, { hint: 'use a shorter state root' });
  }
  const pidFile = path.join(dir, 'console.pid');
  const runcFlags = ['--detach', '--console-socket', socketPath, '--pid-file', pidFile];
  return { command: [python, '-c', SHIM, socketPath, pidFile, '--', runc, ...runcArgs(runcFlags)], runcFlags };
}
