import type { FastifyInstance } from 'fastify';
import { verifySignedQuery, type VerifierOptions } from '../auth/signature-verifier.js';
import './request-context.js';

/**
 * Checks the query signature of every IVH route before its body is even read. Preflights (OPTIONS) are
 * answered by CORS before this hook and carry no signature by design.
 */
export function registerAuthHook(app: FastifyInstance, verifier: VerifierOptions): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config.ivh !== true || request.method === 'OPTIONS') {
      done();
      return;
    }
    const url = request.raw.url ?? '';
    const q = url.indexOf('?');
    request.caller = verifySignedQuery(q === -1 ? '' : url.slice(q + 1), verifier);
    done();
  });
}
