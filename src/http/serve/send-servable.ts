import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Servable } from '../../repo/serve.service.js';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import { parseRange, streamParts } from './parts-stream.js';

/**
 * Answers GET/HEAD for a resolved file the way /repos does: ETag (the SHA-256), Last-Modified, conditional
 * requests, single byte ranges.
 */
export function sendServable(req: FastifyRequest, reply: FastifyReply, file: Servable, blobs: BlobStore): FastifyReply {
  const etag = file.sha256 ? `"${file.sha256}"` : undefined;
  const lastModified = new Date(Math.floor(file.lastModified.getTime() / 1000) * 1000);
  reply.header('Accept-Ranges', 'bytes');
  reply.header('Last-Modified', lastModified.toUTCString());
  reply.header('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.type(file.contentType);
  if (etag) reply.header('ETag', etag);
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  // If-Modified-Since has one-second resolution and two publications can land in the same second, so it is
  // honoured only for immutable files; mutable ones (InRelease, repomd.xml) are small.
  const notModified = inm ? Boolean(etag && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) : Boolean(file.immutable && ims && Date.parse(ims) >= lastModified.getTime());
  if (notModified) return reply.status(304).send();
  let range = parseRange(req.headers.range, file.size);
  const ifRange = req.headers['if-range'] as string | undefined;
  if (range && ifRange && ifRange !== etag && Date.parse(ifRange) !== lastModified.getTime()) range = null;
  if (range === 'invalid') {
    reply.header('Content-Range', `bytes */${file.size}`);
    return reply.status(416).type('application/json').send({ code: 'RANGE_NOT_SATISFIABLE', message: 'range not satisfiable', detail: 'range not satisfiable' });
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  if (range) {
    reply.status(206);
    reply.header('Content-Range', `bytes ${start}-${end}/${file.size}`);
  }
  reply.header('Content-Length', String(end - start + 1));
  // An empty stream keeps our Content-Length (Fastify's HEAD handling only drains streams).
  if (req.method === 'HEAD') return reply.send(Readable.from([]));
  if (file.body) return reply.send(file.body.subarray(start, end + 1));
  if (file.size === 0) return reply.send('');
  return reply.send(streamParts(blobs, file.parts, start, end));
}
