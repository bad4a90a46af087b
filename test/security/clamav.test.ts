import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/formats/types.js';
import { ClamdClient, ClamdUnavailableError, parseClamdReply } from '../../src/security/clamav.js';
import { skipWithout } from '../helpers/tools.js';
import { type Clamd, EICAR, startClamd } from './clamd-fixture.js';

/** A fake clamd on TCP that records the framed stream and answers with `reply` (or never). */
async function fakeClamd(reply: string | null): Promise<{ address: string; received: () => Buffer; close: () => Promise<void> }> {
  let got = Buffer.alloc(0);
  const server = net.createServer((sock) => {
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (reply !== null && got.length >= 4 && got.subarray(-4).equals(Buffer.alloc(4))) sock.end(`${reply}\0`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, received: () => got, close: () => new Promise((r) => server.close(() => r())) };
}

describe('clamd protocol', () => {
  it('frames the stream in length-prefixed chunks ending with a zero chunk', async () => {
    const fake = await fakeClamd('stream: OK');
    const verdict = await new ClamdClient({ address: fake.address, timeoutMs: 2000, chunkSize: 4 }).scan(bufferSource(Buffer.from('abcdefghij')));
    expect(verdict).toEqual({ infected: false });
    const frames = Buffer.concat([Buffer.from('zINSTREAM\0'), Buffer.from([0, 0, 0, 4]), Buffer.from('abcd'), Buffer.from([0, 0, 0, 4]), Buffer.from('efgh'), Buffer.from([0, 0, 0, 2]), Buffer.from('ij'), Buffer.alloc(4)]);
    expect(fake.received().equals(frames)).toBe(true);
    await fake.close();
  });

  it('parses FOUND and ERROR replies', () => {
    expect(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND\0')).toEqual({ infected: true, signature: 'Win.Test.EICAR_HDB-1' });
    expect(() => parseClamdReply('INSTREAM size limit exceeded. ERROR\0')).toThrow(ClamdUnavailableError);
  });

  it('gives up after the timeout and when nothing listens', async () => {
    const silent = await fakeClamd(null);
    await expect(new ClamdClient({ address: silent.address, timeoutMs: 300 }).scan(bufferSource(Buffer.from('x')))).rejects.toThrow(/no answer within 300 ms/);
    await silent.close();
    await expect(new ClamdClient({ address: '/nonexistent/clamd.sock', timeoutMs: 300 }).scan(bufferSource(Buffer.from('x')))).rejects.toThrow(ClamdUnavailableError);
  });
});

describe.skipIf(skipWithout(['clamd']))('clamd (real daemon, private signature database)', () => {
  let clamd: Clamd;
  beforeAll(async () => {
    clamd = await startClamd();
  }, 60_000);
  afterAll(async () => clamd?.stop());

  it('finds the custom EICAR signature and passes clean data', async () => {
    const client = new ClamdClient({ address: clamd.socket, timeoutMs: 10_000, chunkSize: 7 });
    expect(await client.scan(bufferSource(Buffer.from(`padding ${EICAR} padding`)))).toEqual({ infected: true, signature: 'Packyard.Test.EICAR.UNOFFICIAL' });
    expect(await client.scan(bufferSource(Buffer.from('just a harmless file')))).toEqual({ infected: false });
  });
});
