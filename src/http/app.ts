import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform, serializerCompiler, validatorCompiler,
} from 'fastify-type-provider-zod';
import { agentRoutes } from '../agent/routes.ts';
import { approvalRoutes } from '../approvals/routes.ts';
import { datasetRoutes } from '../datasets/routes.ts';
import type { Deps } from '../deps.ts';
import { decisionRoutes } from '../decide/routes.ts';
import { incidentRoutes } from '../incidents/routes.ts';
import { policyRoutes } from '../policies/routes.ts';
import { revisionRoutes } from '../policies/revision-routes.ts';
import { ingestRoutes } from '../ingest/routes.ts';
import { sourceRoutes } from '../sources/routes.ts';
import { runRoutes } from '../runs/routes.ts';
import { slackRoutes } from '../slack/routes.ts';
import { forecastRoute, riskRoute, serviceRoutes } from '../sla/routes.ts';
import { traceRoutes } from '../trace/routes.ts';
import { consoleRoutes } from '../console/plugin.ts';
import { CONSOLE_DIR } from '../runtime.ts';
import { createAuthenticator } from './auth.ts';
import { docsRoutes } from './docs.ts';
import { errorHandler } from './error-handler.ts';
import { acceptCompressedBodies } from './gzip.ts';
import { refuseUnstorableParameters } from './unstorable.ts';
import { limitRates } from './rate-limit.ts';
import { healthRoutes } from './health.ts';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** Builds the HTTP API over the given dependencies. It never listens: `main.ts` does, tests inject. */
const REGISTERED = new WeakMap<FastifyInstance, readonly { method: string; url: string }[]>();

/** The routes `buildApp` registered, HEAD twins left out. */
export const registeredRoutes = (app: FastifyInstance): readonly { method: string; url: string }[] => REGISTERED.get(app) ?? [];

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.config.bodyLimit,
    // Probes and scrapes every few seconds would drown the request log.
    logController: new LogController({ disableRequestLogging: (req) => PROBES.has(req.url) }),
    trustProxy: false,
    // A path too long or not decodable is the caller's mistake, answered in Medic's own error shape.
    frameworkErrors: (err, req, reply) => errorHandler(Object.assign(err, { statusCode: err.statusCode ?? 400 }), req, reply),
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: [] } }));
  // Every route, as registered: the authorisation matrix test holds each to its declared access.
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  REGISTERED.set(app, routes);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  acceptCompressedBodies(app);
  refuseUnstorableParameters(app);
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration
      .labels(req.method, req.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Medic', version: '0.1.0', description: 'Shared memory and judgement for your schedulers.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(docsRoutes());

  await limitRates(app, deps.config);
  const auth = createAuthenticator(deps.config.tokens);
  await app.register(healthRoutes(deps));
  await app.register(ingestRoutes(deps, auth));
  await app.register(sourceRoutes(deps, auth));
  await app.register(runRoutes(deps, auth));
  await app.register(datasetRoutes(deps, auth));
  await app.register(incidentRoutes(deps, auth));
  await app.register(serviceRoutes(deps, auth));
  await app.register(forecastRoute(deps, auth));
  await app.register(riskRoute(deps, auth));
  await app.register(traceRoutes(deps, auth));
  await app.register(policyRoutes(deps, auth));
  await app.register(revisionRoutes(deps, auth));
  await app.register(decisionRoutes(deps, auth));
  await app.register(approvalRoutes(deps, auth));
  await app.register(agentRoutes(deps, auth));
  // Slack signs its requests instead of carrying a token: the route checks the signature itself.
  await app.register(slackRoutes(deps));
  // The console has sessions of its own (single sign-on or a pasted token), not bearer tokens.
  await app.register(consoleRoutes(deps, auth, { assetsDir: CONSOLE_DIR }));
  return app;
}
