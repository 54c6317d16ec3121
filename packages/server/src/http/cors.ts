import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { IVH_PREFIX } from '@dhuman/protocol';
import { SDK_PREFIX } from './static-routes.js';

/**
 * dhuman's own signed APIs, which a page on another origin may call like the IVH ones (the player fetches its
 * project and avatar). Everything else under /dhuman/ is operational and never answers cross-origin requests.
 */
export const SIGNED_DHUMAN_PREFIXES: readonly string[] = ['/dhuman/projects', '/dhuman/avatars'];

function isSignedDhumanPath(url: string): boolean {
  return SIGNED_DHUMAN_PREFIXES.some(
    (prefix) =>
      url.startsWith(prefix) &&
      (url.length === prefix.length || url[prefix.length] === '/' || url[prefix.length] === '?'),
  );
}

/**
 * CORS on IVH paths, dhuman's signed APIs and the player SDK: browsers preflight every Web SDK POST because of
 * `Content-Type: application/json` and the `Language` header (spec §9.1). Admin paths under /dhuman/ never
 * answer cross-origin requests. Authentication is the signed query, never a cookie, so any origin may be allowed.
 */
export async function registerCors(app: FastifyInstance, origins: '*' | string[]): Promise<void> {
  // Built once: the plugin re-normalises whatever object the delegator hands it, on every request.
  const ivh = {
    origin: origins,
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'Language'],
    maxAge: 600,
  };
  const dhuman = { ...ivh, methods: ['GET', 'PUT', 'DELETE'] };
  // The player SDK is for any page: a module script from another origin is fetched in CORS mode.
  const sdk = { origin: origins, methods: ['GET'], maxAge: 600 };
  const none = { origin: false };
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => {
      const url = request.url ?? '';
      const options = url.startsWith(IVH_PREFIX)
        ? ivh
        : isSignedDhumanPath(url)
          ? dhuman
          : url.startsWith(SDK_PREFIX)
            ? sdk
            : none;
      callback(null, options);
    },
  });
}
