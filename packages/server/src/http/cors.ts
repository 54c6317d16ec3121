import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { IVH_PREFIX } from '@dhuman/protocol';

/**
 * CORS on IVH paths only: browsers preflight every Web SDK POST because of `Content-Type: application/json`
 * and the `Language` header (spec §9.1). Admin paths under /dhuman/ never answer cross-origin requests.
 */
export async function registerCors(app: FastifyInstance, origins: '*' | string[]): Promise<void> {
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith(IVH_PREFIX)) {
        callback(null, { origin: false });
        return;
      }
      callback(null, {
        origin: origins === '*' ? '*' : origins,
        methods: ['POST'],
        allowedHeaders: ['Content-Type', 'Language'],
        maxAge: 600,
      });
    },
  });
}
