import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Headers of the inner answer that describe its transfer, not its content: Fastify sets its own. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * The API's documentation page under `/docs` (Swagger UI, and the OpenAPI document as JSON and
 * YAML), built on its first visit rather than at every start: Swagger UI, its static files and
 * its YAML writer are a tenth of a server's start-up. The page is a Fastify app of its own that
 * is handed the API's OpenAPI document, and it answers through `inject`.
 */
export function docsRoutes(): FastifyPluginAsync {
  return async (app) => {
    let docs: Promise<FastifyInstance> | undefined;
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      docs ??= buildDocsApp(app.swagger.bind(app));
      const page = await docs.catch((err: unknown) => {
        docs = undefined; // the next visit tries again
        throw err;
      });
      const res = await page.inject({ method: 'GET', url: req.url, headers: { accept: req.headers.accept ?? '*/*' } });
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
      }
      return reply.status(res.statusCode).send(res.rawPayload);
    };
    app.get('/docs', { schema: { hide: true } }, handler);
    app.get('/docs/*', { schema: { hide: true } }, handler);
  };
}

async function buildDocsApp(document: FastifyInstance['swagger']): Promise<FastifyInstance> {
  const { default: swaggerUi } = await import('@fastify/swagger-ui');
  const page = Fastify({ logger: false });
  // Swagger UI asks for @fastify/swagger by name and reads the document through its decorator.
  await page.register(fp(async (inner) => void inner.decorate('swagger', document), { name: '@fastify/swagger' }));
  await page.register(swaggerUi, { routePrefix: '/docs' });
  await page.ready();
  return page;
}
