// Starts a real hdo dev server for one scenario: the binary named by HDO_BIN, on port 0 (the
// server picks a free one and logs it), with a SQLite file in a temporary folder. stop() sends
// SIGINT and requires a clean exit within 30 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const startedLine = /msg="server started".* grpc_address=(\S+)/;

export class HdoServer {
  private constructor(
    readonly hostPort: string,
    readonly dbFilename: string,
    private readonly proc: ChildProcess,
    private readonly dir: string,
    private readonly log: string[],
  ) {}

  static async start(): Promise<HdoServer> {
    const bin = process.env.HDO_BIN;
    if (!bin) {
      throw new Error('neither HDO_TARGET nor HDO_BIN is set: set HDO_BIN to an hdo binary (or HDO_TARGET=host:port)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'hdo-compat-ts-'));
    const db = join(dir, 'hdo.db');
    const proc = spawn(bin, ['server', 'start-dev', '--port', '0', '--db-filename', db], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const log: string[] = [];
    const hostPort = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`hdo did not start within 60s:\n${log.join('\n')}`));
      }, 60_000);
      createInterface({ input: proc.stderr! }).on('line', (line) => {
        log.push(line);
        const m = startedLine.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`starting hdo (${bin}): ${err.message}`));
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`hdo exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
      });
    });
    return new HdoServer(hostPort, db, proc, dir, log);
  }

  /** SIGINT, then a clean exit (status 0) within 30 s. */
  async stop(): Promise<void> {
    try {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`hdo exited early (${this.proc.exitCode ?? this.proc.signalCode}):\n${this.log.join('\n')}`);
      }
      const exited = new Promise<number | string | null>((resolve) =>
        this.proc.once('exit', (code, signal) => resolve(code ?? signal)),
      );
      this.proc.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const status = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000))),
      ]);
      clearTimeout(timer);
      if (status === 'timeout') {
        this.proc.kill('SIGKILL');
        throw new Error('hdo did not stop within 30s of SIGINT');
      }
      if (status !== 0) {
        throw new Error(`hdo did not stop cleanly (exit ${status}):\n${this.log.slice(-20).join('\n')}`);
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
