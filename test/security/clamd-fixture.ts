import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClamdClient } from '../../src/security/clamav.js';

// Debian installs clamd in /usr/sbin, which is not on a non-root user's PATH.
if (!(process.env.PATH ?? '').split(':').includes('/usr/sbin')) process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`;

/**
 * The EICAR anti-virus test file, assembled at run time so that this source file is not itself flagged by
 * scanners on developers' machines.
 */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

export interface Clamd {
  socket: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's clamd on a private unix socket with a throwaway configuration and a signature database of
 * one custom body signature (EICAR); no freshclam, no network.
 */
export async function startClamd(): Promise<Clamd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-clamd-'));
  const db = path.join(dir, 'db');
  const socket = path.join(dir, 'clamd.sock');
  mkdirSync(db);
  writeFileSync(path.join(db, 'packyard-test.ndb'), `Packyard.Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  const conf = path.join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [`LocalSocket ${socket}`, `DatabaseDirectory ${db}`, 'Foreground yes', `TemporaryDirectory ${dir}`, 'StreamMaxLength 20M', 'LogFile /dev/null', `PidFile ${path.join(dir, 'clamd.pid')}`].join('\n') + '\n',
  );
  const child: ChildProcess = spawn('clamd', ['--config-file', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new ClamdClient({ address: socket, timeoutMs: 2000 });
  for (let i = 0; ; i++) {
    try {
      if ((await client.command('PING')).startsWith('PONG')) break;
    } catch {
      if (child.exitCode !== null || i > 300) throw new Error(`clamd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    socket,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
