import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { IVH_PREFIX } from '@dhuman/protocol';

/**
 * CORS on IVH paths only: browsers preflight every Web SDK POST because of `Content-Type: application/json`
 * and the `Language` header (spec §9.1). Admin paths under /dhuman/ never answer cross-origin requests.
 */
export async function registerCors(app: FastifyInstance, origins: '*' | string[]): Promise<void> {
  // Built once: the plugin re-normalises whatever object the delegator hands it, on every request.
  const ivh = {
    origin: origins,
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'Language'],
    maxAge: 600,
  };
  const none = { origin: false };
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      callback(null, (request.url ?? '').startsWith(IVH_PREFIX) ? ivh : none);
    },
  });
}
