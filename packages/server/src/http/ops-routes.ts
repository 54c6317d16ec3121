import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics.js';

/** dhuman's own operational endpoints; not IVH routes, so unsigned and never CORS-enabled. */
export function registerOpsRoutes(app: FastifyInstance, metrics: ServerMetrics, startedAt: number): void {
  app.get('/dhuman/healthz', () => ({
    status: 'ok',
    uptimeSec: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get('/dhuman/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
