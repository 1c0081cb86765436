import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/**
 * Accepts `Content-Encoding: gzip` (and deflate) bodies, as OpenLineage's HTTP transport can send.
 * The body limit then applies to the inflated bytes, so a small bomb cannot become a large body.
 */
export function acceptCompressedBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = req.headers['content-encoding']?.toLowerCase().trim();
    if (!encoding || encoding === 'identity') return payload;
    const inflater = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : undefined;
    if (!inflater) {
      throw Object.assign(new Error(`unsupported content-encoding "${encoding}"; send gzip, deflate or none`), {
        statusCode: 415,
      });
    }
    // Fastify compares this to Content-Length, which counts the compressed bytes.
    const inflated = Object.assign(payload.pipe(inflater), { receivedEncodedLength: 0 });
    payload.on('data', (chunk: Buffer) => {
      inflated.receivedEncodedLength += chunk.length;
    });
    inflater.on('error', (err) => inflated.destroy(Object.assign(err, { statusCode: 400 })));
    return inflated;
  });
}
