import { StringDecoder } from 'node:string_decoder';
import type { ManagedProcess, ProcessSupervisor } from './processes';

// A console's shell needs a pseudo-terminal (line editing, job control, programs that ask `isatty`). Node has none
// without a native addon; Python's standard `pty` module has, and the platform already runs the skills' interpreter.
// The helper below forks the shell on a new pty, relays fd 0 → pty → fd 1, reads "<cols> <rows>" lines on fd 3 to
// resize it, and on SIGTERM or end of input hangs up the shell's process group (SIGHUP, then SIGKILL).
const PTY_HELPER = String.raw`
import os, pty, select, shutil, signal, struct, sys, time, fcntl, termios
cols, rows = int(sys.argv[1]), int(sys.argv[2])
bash = shutil.which('bash')
argv = [bash, '--noprofile', '--norc', '-i'] if bash else ['/bin/sh', '-i']
pid, fd = pty.fork()
if pid == 0:
    os.environ.setdefault('TERM', 'xterm-256color')
    os.execv(argv[0], argv)
def size(c, r):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', max(1, min(r, 1000)), max(1, min(c, 1000)), 0, 0))
def end(*_):
    for sig in (signal.SIGHUP, signal.SIGCONT, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except OSError:
            pass
        time.sleep(0.1)
    os._exit(0)
def write_all(f, data):
    while data:
        data = data[os.write(f, data):]
signal.signal(signal.SIGTERM, end)
size(cols, rows)
control, fds = b'', [0, 3, fd]
while True:
    ready = select.select(fds, [], [])[0]
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        write_all(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            end()
        write_all(fd, data)
    if 3 in ready:
        data = os.read(3, 4096)
        if not data:
            fds.remove(3)
        control += data
        while b'\n' in control:
            line, control = control.split(b'\n', 1)
            try:
                size(*(int(v) for v in line.split()[:2]))
            except (ValueError, TypeError, OSError):
                pass
status = os.waitpid(pid, 0)[1]
try:
    os.killpg(pid, signal.SIGKILL)
except OSError:
    pass
sys.exit(os.waitstatus_to_exitcode(status) & 0xff if hasattr(os, 'waitstatus_to_exitcode') else 0)
`;

export interface ShellOptions {
  readonly supervisor: ProcessSupervisor;
  /** The interpreter that runs the pty helper (the platform's python). */
  readonly python: string;
  /** The instance's working folder and runtime environment (`Instances.runContext`). */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly owner: string;
  readonly cols: number;
  readonly rows: number;
  /** Output of the shell, decoded as UTF-8 across chunk boundaries. */
  readonly onOutput: (text: string) => void;
}

/** An interactive shell on a pseudo-terminal, in its own process group, that `close` ends with everything it started. */
export class Shell {
  private constructor(private readonly proc: ManagedProcess) {}

  static start(o: ShellOptions): Shell {
    const proc = o.supervisor.spawn({
      command: [o.python, '-c', PTY_HELPER, String(o.cols), String(o.rows)],
      cwd: o.cwd,
      env: o.env,
      owner: o.owner,
      interactive: true,
    });
    const decoder = new StringDecoder('utf8');
    for (const stream of proc.stdio ?? []) stream?.on('error', () => undefined);
    for (const stream of [proc.stdio?.[1], proc.stdio?.[2]]) {
      stream?.on('data', (chunk: Buffer) => {
        const text = decoder.write(chunk);
        if (text) o.onOutput(text);
      });
    }
    return new Shell(proc);
  }

  get exited(): Promise<unknown> {
    return this.proc.exited;
  }

  get pid(): number {
    return this.proc.pid;
  }

  write(data: string): void {
    const stdin = this.proc.stdio?.[0];
    if (stdin && 'write' in stdin && !stdin.destroyed) stdin.write(data);
  }

  resize(cols: number, rows: number): void {
    const control = this.proc.stdio?.[3];
    if (control && 'write' in control && !control.destroyed) control.write(`${Math.floor(cols)} ${Math.floor(rows)}\n`);
  }

  /** Hangs up the shell and its jobs (the helper's SIGTERM handler), SIGKILL to the helper's group after 2 s. */
  async close(): Promise<void> {
    await this.proc.stop(2000);
  }
}
