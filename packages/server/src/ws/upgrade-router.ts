import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorByCode, errorEnvelope, ERRORS, IvhError, IVH_WS_PREFIX } from '@dhuman/protocol';
import { redactUrl } from '../request-ids.js';
import { verifySignedQuery, type VerifiedCaller, type VerifierOptions } from '../auth/signature-verifier.js';

export type ChannelHandler = (
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  caller: VerifiedCaller,
) => void;

/** Told of every refused upgrade (logging); the URL has its signature redacted. */
export type RefusalListener = (url: string, error: IvhError, status: number) => void;

/** HTTP status of an upgrade refused for its `Origin`. */
export const ORIGIN_REFUSED_STATUS = 403;

/**
 * Authenticates WebSocket upgrades in the HTTP `upgrade` step (as the ws docs advise, not `verifyClient`) and
 * hands them to the channel registered for the path. A refusal is one short HTTP response with the IVH
 * envelope as body, then the socket closes: cheap, because the Web SDK retries refused upgrades at once and
 * without limit (spec §9.3).
 *
 * Browsers do not apply CORS to WebSockets, but they do send the page's `Origin`. With an origin list (not
 * `*`), an upgrade whose `Origin` is neither listed nor the server's own (same host) is refused with 403
 * before its signature is checked. Without an `Origin` (a client that is not a browser) the upgrade goes on.
 */
export class UpgradeRouter {
  private readonly channels = new Map<string, ChannelHandler>();
  private readonly prefixes: Array<[string, ChannelHandler]> = [];
  private readonly origins: '*' | ReadonlySet<string>;

  constructor(
    private readonly verifier: VerifierOptions,
    private readonly onRefused: RefusalListener = () => undefined,
    /** Origins allowed to open sockets (`DHUMAN_CORS_ORIGINS`); `*` allows any. */
    origins: '*' | readonly string[] = '*',
  ) {
    this.origins = origins === '*' ? '*' : new Set(origins.map((o) => o.toLowerCase()));
  }

  register(path: string, handler: ChannelHandler): void {
    if (!path.startsWith(IVH_WS_PREFIX) && !path.startsWith('/dhuman/')) {
      throw new Error(`WebSocket path ${path} is outside /v2/ws/ and /dhuman/`);
    }
    this.channels.set(path, handler);
  }

  /** A channel for every path under `prefix` (e.g. `/dhuman/ws/sessions/`), for paths that carry an id. */
  registerPrefix(prefix: string, handler: ChannelHandler): void {
    if (!prefix.startsWith('/dhuman/') || !prefix.endsWith('/'))
      throw new Error(`bad WebSocket prefix ${prefix}`);
    this.prefixes.push([prefix, handler]);
  }

  private channelFor(path: string): ChannelHandler | undefined {
    return this.channels.get(path) ?? this.prefixes.find(([prefix]) => path.startsWith(prefix))?.[1];
  }

  readonly handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const origin = request.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, request.headers.host)) {
      const error = new IvhError(
        ERRORS.UNAUTHORIZED,
        `origin ${origin.slice(0, 200)} may not open WebSockets here; add it to DHUMAN_CORS_ORIGINS`,
      );
      this.onRefused(redactUrl(url), error, ORIGIN_REFUSED_STATUS);
      refuseUpgrade(socket, ORIGIN_REFUSED_STATUS, error);
      return;
    }
    try {
      const caller = verifySignedQuery(q === -1 ? '' : url.slice(q + 1), this.verifier);
      const channel = this.channelFor(path);
      if (!channel) {
        throw new IvhError(ERRORS.INVALID_PARAMETER, `no WebSocket channel at ${path.slice(0, 200)}`);
      }
      channel(request, socket, head, caller);
    } catch (error) {
      const ivh =
        error instanceof IvhError ? error : new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'upgrade failed');
      const status =
        ivh.code === ERRORS.INVALID_PARAMETER.code && !this.channelFor(path)
          ? 404
          : (errorByCode(ivh.code)?.upgradeStatus ?? 400);
      this.onRefused(redactUrl(url), ivh, status);
      refuseUpgrade(socket, status, ivh);
    }
  };

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.origins === '*') return true;
    const normalised = origin.toLowerCase();
    if (this.origins.has(normalised)) return true;
    // The server's own pages (the demo at /) are same-origin: browsers apply no CORS to them either.
    try {
      return host !== undefined && new URL(normalised).host === host.toLowerCase();
    } catch {
      return false;
    }
  }
}

/** Refuses with the HTTP status the catalogue gives the error's code (401 auth, 404 unknown, 410 closed…). */
export function refuseUpgradeWith(socket: Duplex, error: IvhError): void {
  refuseUpgrade(socket, errorByCode(error.code)?.upgradeStatus ?? 400, error);
}

export function refuseUpgrade(socket: Duplex, status: number, error: IvhError): void {
  const body = JSON.stringify(errorEnvelope(error, ''));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
