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

/**
 * Authenticates WebSocket upgrades in the HTTP `upgrade` step (as the ws docs advise, not `verifyClient`) and
 * hands them to the channel registered for the path. A refusal is one short HTTP response with the IVH
 * envelope as body, then the socket closes: cheap, because the Web SDK retries refused upgrades at once and
 * without limit (spec §9.3).
 */
export class UpgradeRouter {
  private readonly channels = new Map<string, ChannelHandler>();
  private readonly prefixes: Array<[string, ChannelHandler]> = [];

  constructor(
    private readonly verifier: VerifierOptions,
    /** Told of every refusal (logging); the URL it gets has its signature redacted. */
    private readonly onRefused: (url: string, error: IvhError) => void = () => undefined,
  ) {}

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
      this.onRefused(redactUrl(url), ivh);
      refuseUpgrade(socket, status, ivh);
    }
  };
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
