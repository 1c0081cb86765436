import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { errorHandler } from '../../src/http/error-handler.ts';
import { enqueueOrLeaveToSweep } from '../../src/queue/unavailable.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('errors that are outages', () => {
  it('answers 503 with Retry-After for a lost store or an unreachable Redis, 507 for a full disk, 500 for the rest', async () => {
    const thrown: Record<string, Error> = {
      redis: new Error('Stream isn\'t writeable and enableOfflineQueue options is false'),
      retries: new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'),
      pg: new Error('Connection terminated unexpectedly'),
      shutdown: withCode('terminating connection due to administrator command', '57P01'),
      disk: withCode('could not extend file: No space left on device', '53100'),
      bug: new TypeError('cannot read properties of undefined'),
    };
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    app.get('/:what', async (req) => { throw thrown[(req.params as { what: string }).what]; });
    const answers = Object.fromEntries(await Promise.all(Object.keys(thrown).map(async (what) => {
      const r = await app.inject({ url: `/${what}` });
      return [what, { status: r.statusCode, retryAfter: r.headers['retry-after'] ?? null, code: r.json<{ error: { code: string } }>().error.code }];
    })));
    await app.close();
    assert.deepEqual(answers, {
      redis: { status: 503, retryAfter: '5', code: 'unavailable' },
      retries: { status: 503, retryAfter: '5', code: 'unavailable' },
      pg: { status: 503, retryAfter: '5', code: 'unavailable' },
      shutdown: { status: 503, retryAfter: '5', code: 'unavailable' },
      disk: { status: 507, retryAfter: '60', code: 'insufficient_storage' },
      bug: { status: 500, retryAfter: null, code: 'internal' },
    });
  });

  it('leaves a job to the sweep when Redis is unreachable, and lets any other failure through', async () => {
    const warned: string[] = [];
    const log = { warn: (_: unknown, message: string) => void warned.push(message) };
    await enqueueOrLeaveToSweep(log as never, 'execution 7', () => Promise.reject(new Error('Connection is closed.')));
    assert.deepEqual(warned, ['execution 7 not queued, Redis being unavailable: the heal sweep queues it once Redis is back']);
    await assert.rejects(enqueueOrLeaveToSweep(log as never, 'execution 8', () => Promise.reject(new Error('unknown job'))), /unknown job/);
    assert.equal(warned.length, 1);
  });
});
