import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AsrProvider, AsrStream, SessionManager } from '@dhuman/core';
import { ERRORS, EVENT_TYPE, IvhError, SESSION_STATUS, type DriveEventPayload } from '@dhuman/protocol';
import type { VerifiedCaller } from '../auth/signature-verifier.js';
import type { DriveRegistry } from '../drive/drive-registry.js';
import type { SessionDrive } from '../drive/session-drive.js';
import { refuseUpgrade, refuseUpgradeWith } from '../ws/upgrade-router.js';
import { VoiceInput, type VoiceActivityDetection } from './voice-input.js';

export const VOICE_CHANNEL_PATTERN = /^\/dhuman\/ws\/sessions\/([A-Za-z0-9_-]{1,64})\/voice$/;
/** Half a second of 16 kHz s16le: a client sends 20–100 ms at a time. */
export const MAX_VOICE_FRAME_BYTES = 16_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** The recogniser must be up within this long, or the upgrade is refused. */
const ASR_OPEN_TIMEOUT_MS = 10_000;

export const VOICE_CLOSE = Object.freeze({
  SESSION_ENDED: 4000,
  REPLACED: 4001,
  TOO_SLOW: 4003,
  RECOGNITION_FAILED: 1011,
  TEXT_FRAME: 1003,
  TOO_BIG: 1009,
});

/** The event types a voice channel carries back: what the visitor said, and recognition failures. */
function isVoiceEvent(event: DriveEventPayload): boolean {
  return (
    event.Type === EVENT_TYPE.TRANSCRIPT ||
    event.Type === EVENT_TYPE.VOICE_ACTIVITY ||
    (event.Type === EVENT_TYPE.DRIVE_ERROR && event.ErrorCode === ERRORS.SPEECH_RECOGNITION_FAILED.code)
  );
}

export interface VoiceChannelsOptions {
  manager: SessionManager;
  drives: DriveRegistry;
  /** undefined: speech recognition is off and voice channels are refused. */
  asr: AsrProvider | undefined;
  language: string;
  createDetector: () => VoiceActivityDetection;
  /** Voice channels open at once on this node (each runs a recogniser). */
  maxChannels: number;
}

/**
 * `/dhuman/ws/sessions/<SessionId>/voice` (a dhuman extension, docs/guides/voice-conversation.md): the visitor's
 * microphone as binary frames of 16 kHz mono s16le in, transcripts and voice activity as `{Header, Payload}`
 * frames out. Signed like every IVH socket and only for the owning appkey; the session must be started. The
 * upgrade completes once the recogniser is running, so an open channel is listening. One per session: a new one
 * replaces the old.
 */
export class VoiceChannels {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_VOICE_FRAME_BYTES });
  private readonly bySession = new Map<string, WebSocket>();
  private opening = 0;

  constructor(private readonly opts: VoiceChannelsOptions) {
    opts.drives.onEnded((sessionId) => {
      this.bySession.get(sessionId)?.close(VOICE_CLOSE.SESSION_ENDED, 'session ended');
    });
  }

  get openCount(): number {
    return this.bySession.size;
  }

  readonly handleUpgrade = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: VerifiedCaller,
  ): void => {
    void this.upgrade(request, socket, head, caller).catch((error: unknown) => {
      const ivh =
        error instanceof IvhError ? error : new IvhError(ERRORS.INTERNAL_SYSTEM_ERROR, 'upgrade failed');
      if (ivh.code === ERRORS.INVALID_PARAMETER.code) refuseUpgrade(socket, 404, ivh);
      else refuseUpgradeWith(socket, ivh);
    });
  };

  private async upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: VerifiedCaller,
  ): Promise<void> {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const match = VOICE_CHANNEL_PATTERN.exec(path);
    if (!match?.[1])
      throw new IvhError(ERRORS.INVALID_PARAMETER, `no WebSocket channel at ${path.slice(0, 200)}`);
    const asr = this.opts.asr;
    if (!asr) {
      throw new IvhError(
        ERRORS.SPEECH_RECOGNITION_FAILED,
        'speech recognition is off on this server (DHUMAN_ASR=off)',
      );
    }
    const session = this.opts.manager.get(caller.appkey, match[1]);
    if (session.status !== SESSION_STATUS.READY)
      throw new IvhError(ERRORS.SESSION_CLOSED, 'the session is not live');
    if (!session.isStarted) throw new IvhError(ERRORS.SESSION_NOT_STARTED, 'start the session first');
    const replacing = this.bySession.has(session.sessionId) ? 1 : 0;
    if (this.bySession.size + this.opening - replacing >= this.opts.maxChannels) {
      throw new IvhError(
        ERRORS.CONCURRENCY_LIMIT_EXCEEDED,
        `this server runs at most ${this.opts.maxChannels} voice channels at once (DHUMAN_VOICE_CHANNELS)`,
      );
    }
    const drive = this.opts.drives.forSession(session);
    // The recogniser starts before the upgrade completes; its results go to the input made below.
    let input: VoiceInput | undefined;
    const early: Error[] = [];
    this.opening += 1;
    let stream: AsrStream;
    try {
      stream = await withTimeout(
        asr.open(
          {
            onResult: (result) => input?.onResult(result),
            onError: (error) => (input ? input.onError(error) : early.push(error)),
          },
          { language: this.opts.language },
        ),
        ASR_OPEN_TIMEOUT_MS,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new IvhError(ERRORS.SPEECH_RECOGNITION_FAILED, `the recogniser did not start: ${message}`);
    } finally {
      this.opening -= 1;
    }
    if (socket.destroyed || drive.isClosed || early.length > 0) {
      stream.close();
      if (early[0]) throw new IvhError(ERRORS.SPEECH_RECOGNITION_FAILED, early[0].message);
      if (drive.isClosed) throw new IvhError(ERRORS.SESSION_CLOSED, 'the session ended');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(ws, drive, stream, (i) => (input = i)));
  }

  private attach(
    ws: WebSocket,
    drive: SessionDrive,
    stream: AsrStream,
    setInput: (input: VoiceInput) => void,
  ): void {
    const sessionId = drive.sessionId;
    this.bySession.get(sessionId)?.close(VOICE_CLOSE.REPLACED, 'replaced by a new voice channel');
    this.bySession.set(sessionId, ws);
    const input = new VoiceInput(
      {
        bargeIn: () => drive.scheduler.bargeIn(),
        get microphoneMuted() {
          return drive.scheduler.microphoneMuted;
        },
        ask: (question) => void drive.ask(question),
        publish: (event) => drive.publish(event),
      },
      this.opts.createDetector(),
      stream,
    );
    setInput(input);
    const stop = drive.onEvent((event) => {
      if (!isVoiceEvent(event)) return;
      send(ws, event);
      if (event.Type === EVENT_TYPE.DRIVE_ERROR)
        ws.close(VOICE_CLOSE.RECOGNITION_FAILED, 'speech recognition failed');
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(VOICE_CLOSE.TEXT_FRAME, 'send audio as binary frames of 16 kHz mono s16le');
        return;
      }
      const bytes = toBuffer(data);
      if (bytes.length % 2 !== 0) {
        ws.close(
          VOICE_CLOSE.TEXT_FRAME,
          `an audio frame of ${bytes.length} bytes is not whole 16-bit samples`,
        );
        return;
      }
      // Copied into an aligned Int16Array: ws hands out Buffers at any byte offset.
      const pcm = new Int16Array(bytes.length / 2);
      Buffer.from(pcm.buffer).set(bytes);
      input.push(pcm);
    });
    // A frame over maxPayload (1009) or a broken frame is an 'error' on the socket, which ws then closes: without a
    // listener it would be thrown, and take the process down.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      stop();
      input.close();
      if (this.bySession.get(sessionId) === ws) this.bySession.delete(sessionId);
    });
  }

  close(): void {
    for (const ws of this.bySession.values()) ws.close(1001, 'server shutting down');
    this.bySession.clear();
    this.wss.close();
  }
}

function send(ws: WebSocket, event: DriveEventPayload): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.close(VOICE_CLOSE.TOO_SLOW, 'client reads too slowly');
    return;
  }
  const error = event.Type === EVENT_TYPE.DRIVE_ERROR;
  ws.send(
    JSON.stringify({
      Header: {
        Code: error ? (event.ErrorCode ?? ERRORS.SPEECH_RECOGNITION_FAILED.code) : 0,
        Message: error ? (event.ErrorMessage ?? '') : '',
        RequestID: `e${event.EventSeq}`,
        SessionID: event.SessionId,
        DialogID: '',
      },
      Payload: event,
    }),
  );
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms / 1000} s`));
      // A stream that opens after all is closed at once.
      promise.then((value) => (value as { close?: () => void }).close?.()).catch(() => undefined);
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
