import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MediaFrame, SessionManager } from '@dhuman/core';
import { ERRORS, IvhError, SESSION_STATUS } from '@dhuman/protocol';
import type { VerifiedCaller } from '../auth/signature-verifier.js';
import type { DriveRegistry } from '../drive/drive-registry.js';
import { refuseUpgrade, refuseUpgradeWith } from './upgrade-router.js';

export const MEDIA_TAP_PREFIX = '/dhuman/ws/sessions/';
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** A media frame as JSON: PCM as Base64 s16le, blendshape weights as a plain array. */
export function mediaFrameToJson(frame: MediaFrame): Record<string, unknown> {
  switch (frame.kind) {
    case 'audio':
      return {
        kind: frame.kind,
        utteranceId: frame.utteranceId,
        pts: frame.pts,
        sampleRate: 24000,
        pcm: Buffer.from(frame.pcm.buffer, frame.pcm.byteOffset, frame.pcm.byteLength).toString('base64'),
      };
    case 'blendshape':
      return {
        ...frame,
        frame: {
          timeMs: frame.frame.timeMs,
          weights: Array.from(frame.frame.weights, (w) => Math.round(w * 1000) / 1000),
        },
      };
    default:
      return { ...frame };
  }
}

/**
 * `/dhuman/ws/sessions/<SessionId>/media`: the session's media as it plays, for outputs and debugging, signed
 * like every IVH socket and visible only to the owning appkey. Several taps may watch one session; a tap that
 * cannot keep up is closed rather than buffered without bound.
 */
export class MediaTaps {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly bySession = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly manager: SessionManager,
    private readonly drives: DriveRegistry,
  ) {
    drives.onEnded((sessionId) => {
      for (const ws of this.bySession.get(sessionId) ?? []) ws.close(4000, 'session ended');
    });
  }

  readonly handleUpgrade = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: VerifiedCaller,
  ): void => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const match = /^\/dhuman\/ws\/sessions\/([A-Za-z0-9_-]{1,64})\/media$/.exec(path);
    try {
      if (!match?.[1])
        throw new IvhError(ERRORS.INVALID_PARAMETER, `no WebSocket channel at ${path.slice(0, 200)}`);
      const session = this.manager.get(caller.appkey, match[1]);
      if (session.status !== SESSION_STATUS.READY)
        throw new IvhError(ERRORS.SESSION_CLOSED, 'the session is not live');
      const drive = this.drives.forSession(session);
      const sessionId = session.sessionId;
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const taps = this.bySession.get(sessionId) ?? new Set<WebSocket>();
        taps.add(ws);
        this.bySession.set(sessionId, taps);
        const stop = drive.onMedia((frame) => {
          if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
            ws.close(4003, 'tap reads too slowly');
            return;
          }
          ws.send(JSON.stringify(mediaFrameToJson(frame)));
        });
        ws.on('close', () => {
          stop();
          taps.delete(ws);
          if (taps.size === 0) this.bySession.delete(sessionId);
        });
        ws.on('message', () => undefined); // taps are read-only; anything sent is ignored
        // A frame over maxPayload is an 'error' that ws answers by closing with 1009; unheard, it would be thrown.
        ws.on('error', () => undefined);
      });
    } catch (error) {
      const ivh =
        error instanceof IvhError ? error : new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'upgrade failed');
      // An unknown path is "not found" rather than a bad request, like an unknown session.
      if (ivh.code === ERRORS.INVALID_PARAMETER.code) refuseUpgrade(socket, 404, ivh);
      else refuseUpgradeWith(socket, ivh);
    }
  };

  close(): void {
    for (const taps of this.bySession.values()) for (const ws of taps) ws.close(1001, 'server shutting down');
    this.bySession.clear();
    this.wss.close();
  }
}
