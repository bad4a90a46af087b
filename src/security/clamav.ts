/**
 * A clamd client (clamd(8), "zINSTREAM"): the bytes are sent as chunks, each prefixed by its length as a
 * 4-byte big-endian integer, terminated by a zero-length chunk; clamd answers one NUL-terminated line,
 * "stream: OK", "stream: <signature> FOUND" or "<message> ERROR" (e.g. "INSTREAM size limit exceeded").
 * Connects to a unix socket path or host:port, with one deadline for the whole exchange.
 */
import net from 'node:net';
import type { ByteSource } from '../formats/types.js';
import type { UploadCheck, UploadCheckInput, UploadCheckResult } from '../content/upload-check.js';

export type ClamdVerdict = { infected: false } | { infected: true; signature: string };

/** clamd could not give a verdict: not reachable, timed out, or answered with an error. */
export class ClamdUnavailableError extends Error {
  override readonly name = 'ClamdUnavailableError';
}

export interface ClamdOptions {
  /** "/run/clamav/clamd.ctl" or "host:3310". */
  address: string;
  timeoutMs: number;
  /** Bytes per INSTREAM chunk; must stay below clamd's StreamMaxLength. */
  chunkSize?: number;
}

function connectOptions(address: string): net.NetConnectOpts {
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^/:][^:]*):(\d+)$/.exec(address);
  if (m && !address.startsWith('/')) return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  return { path: address.replace(/^unix:\/\//, '') };
}

export function parseClamdReply(reply: string): ClamdVerdict {
  const line = reply.replace(/\0/g, '').trim();
  if (/^stream: OK$/.test(line)) return { infected: false };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) return { infected: true, signature: found[1] };
  throw new ClamdUnavailableError(`clamd answered: ${line || '(nothing)'}`);
}

export class ClamdClient {
  constructor(private readonly opts: ClamdOptions) {}

  /** Sends one command and returns the whole reply (for PING / VERSION). */
  async command(cmd: string): Promise<string> {
    return this.exchange(async (sock) => {
      await write(sock, Buffer.from(`z${cmd}\0`));
    });
  }

  async scan(source: ByteSource): Promise<ClamdVerdict> {
    const chunk = this.opts.chunkSize ?? 128 * 1024;
    const reply = await this.exchange(async (sock) => {
      await write(sock, Buffer.from('zINSTREAM\0'));
      for (let off = 0; off < source.size; off += chunk) {
        const data = await source.read(off, Math.min(chunk, source.size - off));
        const len = Buffer.alloc(4);
        len.writeUInt32BE(data.length);
        await write(sock, len);
        await write(sock, data);
      }
      await write(sock, Buffer.alloc(4));
    });
    return parseClamdReply(reply);
  }

  private exchange(send: (sock: net.Socket) => Promise<void>): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(connectOptions(this.opts.address));
      const parts: Buffer[] = [];
      let done = false;
      const finish = (err: Error | null, value?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err instanceof ClamdUnavailableError ? err : new ClamdUnavailableError(`clamd at ${this.opts.address}: ${err.message}`));
        else resolve(value!);
      };
      const timer = setTimeout(() => finish(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      sock.on('error', (err) => finish(err));
      sock.on('data', (d) => {
        parts.push(d);
        // clamd ends its reply with NUL in z-mode; it may close the connection at the same time.
        if (d.includes(0)) finish(null, Buffer.concat(parts).toString('utf8'));
      });
      sock.on('end', () => finish(null, Buffer.concat(parts).toString('utf8')));
      sock.on('connect', () => {
        send(sock).catch((err: Error) => {
          // clamd closes early when it refuses the stream (size limit); its reply still explains why.
          if (parts.length) finish(null, Buffer.concat(parts).toString('utf8'));
          else finish(err);
        });
      });
    });
  }
}

function write(sock: net.Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return reject(new Error('connection closed'));
    sock.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * The antivirus upload check: infected → rejected and quarantined (MALWARE_FOUND); clamd without a verdict →
 * a warning, or ANTIVIRUS_UNAVAILABLE when the scan is required.
 */
export class ClamavUploadCheck implements UploadCheck {
  readonly name = 'antivirus';

  constructor(private readonly client: ClamdClient, private readonly required: boolean) {}

  async check(input: UploadCheckInput): Promise<UploadCheckResult> {
    const src = await input.source();
    let verdict: ClamdVerdict;
    try {
      verdict = await this.client.scan(src);
    } catch (err) {
      if (!(err instanceof ClamdUnavailableError)) throw err;
      if (this.required) return { reject: true, code: 'ANTIVIRUS_UNAVAILABLE', message: `antivirus scan required but unavailable: ${err.message}` };
      return { warn: `antivirus scan skipped: ${err.message}` };
    } finally {
      await src.close();
    }
    if (!verdict.infected) return { ok: true };
    return {
      reject: true,
      code: 'MALWARE_FOUND',
      message: `${input.filename} is infected (${verdict.signature}); upload rejected and quarantined`,
      quarantine: true,
      detail: { malware: verdict.signature },
    };
  }
}
