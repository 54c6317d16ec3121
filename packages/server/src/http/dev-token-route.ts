import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERRORS, IvhError, okEnvelope } from '@dhuman/protocol';
import type { DevTokens } from '../auth/dev-tokens.js';
import { TokenBucket } from '../ws/token-bucket.js';
import { traceId } from './envelope.js';

export const DEV_TOKEN_PATH = '/dhuman/dev/token';

/**
 * Ten tokens a minute on average (per process), with a burst of ten for reloads and tabs: a page asks once per
 * load, so only a loop calling it in error or abuse ever meets the limit.
 */
const ISSUE_PER_SECOND = 10 / 60;
const ISSUE_BURST = 10;

/** `localhost`, `127.0.0.1` or `[::1]`, with any port: the names a page served by this machine to itself has. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The host part of an `Origin` header, when it is a loopback origin. */
function isLoopbackOrigin(origin: string): boolean {
  try {
    return LOOPBACK_HOST.test(new URL(origin).host);
  } catch {
    return false;
  }
}

/**
 * Refuses everything but a same-machine page or tool. The socket's peer must be loopback (a reverse proxy on
 * this machine makes it so, which is why the Host header must be a loopback name too: a proxied request carries
 * the public name, and a DNS-rebound one carries the attacker's). An `Origin`, when sent, must be loopback.
 * JSON is required so that a cross-site HTML form, which cannot send it, never gets this far.
 */
function assertLocalJsonRequest(request: FastifyRequest): void {
  if (!isLoopbackAddress(request.raw.socket.remoteAddress)) {
    throw new IvhError(ERRORS.UNAUTHORIZED, 'dev tokens are issued only to clients on this machine');
  }
  const host = request.headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) {
    throw new IvhError(
      ERRORS.UNAUTHORIZED,
      'dev tokens are issued only for a loopback Host (localhost, 127.0.0.1 or [::1]); open the page that way',
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && !isLoopbackOrigin(origin)) {
    throw new IvhError(ERRORS.UNAUTHORIZED, 'dev tokens are not issued to pages of other origins');
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new IvhError(ERRORS.INVALID_PARAMETER, 'Content-Type must be application/json (send the body {})');
  }
  const body: unknown = request.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new IvhError(ERRORS.INVALID_PARAMETER, 'body must be a JSON object ({})');
  }
}

/**
 * `POST /dhuman/dev/token`: a temporary credential for the demo page on this machine, acting for the server's
 * own appkey (contract B). Unsigned by design; the checks above are what stand in for the signature.
 */
export function registerDevTokenRoute(app: FastifyInstance, tokens: DevTokens): void {
  const bucket = new TokenBucket(ISSUE_PER_SECOND, ISSUE_BURST);
  app.post(DEV_TOKEN_PATH, { bodyLimit: 4096 }, (request, reply) => {
    if (!tokens.enabled) {
      throw new IvhError(
        ERRORS.UNAUTHORIZED,
        'dev tokens are turned off on this server (DHUMAN_DEV_TOKENS=0)',
      );
    }
    assertLocalJsonRequest(request);
    if (!bucket.take()) {
      throw new IvhError(
        ERRORS.TOO_FREQUENT,
        'dev tokens are issued at most 10 a minute; reuse the one you have',
      );
    }
    const credential = tokens.issue();
    // A credential: never cached anywhere on the way.
    reply.header('cache-control', 'no-store');
    return okEnvelope(
      {
        AppKey: credential.appkey,
        AccessToken: credential.accesstoken,
        ExpiresAt: Math.floor(credential.expiresAt / 1000),
      },
      traceId(request),
    );
  });
}
