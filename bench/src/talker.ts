import WebSocket from 'ws';
import type { DhumanClient } from '@dhuman/client';
import { DRIVE_PATHS, EVENT_TYPE, SPEAK_STATUS, signedQuery } from '@dhuman/protocol';

/**
 * One talking session for the drive bench: a started session and its command channel, driven with raw
 * SEND_TEXT frames (as a Tencent IVH client sends them), recording when each speak status arrived.
 */

export interface Credentials {
  baseUrl: string;
  appkey: string;
  accesstoken: string;
}

/** One SEND_TEXT and what came back for it. Times are this process's `performance.now()`. */
export interface Utterance {
  reqId: string;
  text: string;
  sentAt: number;
  textStartAt?: number;
  textOverAt?: number;
  /** The server's own Timings on TextStart: command received → first audio ready / first sample played. */
  firstChunkMs?: number;
  firstSampleMs?: number;
  /** Set when a Type 9 error event came for this ReqId. */
  error?: string;
  /** Sent while the session's previous utterance had not reached TextOver (so it replaced it). */
  overlapped: boolean;
}

interface DownFrame {
  Payload?: {
    Type?: number;
    ReqId?: string;
    SpeakStatus?: string;
    ErrorCode?: number;
    ErrorMessage?: string;
    Timings?: { FirstChunkMs?: number; FirstSampleMs?: number };
  };
}

const OPEN_TIMEOUT_MS = 10_000;

export class Talker {
  readonly utterances: Utterance[] = [];
  /** Errors not tied to one of our utterances: errors without ReqId, unexpected channel closes. */
  readonly otherErrors: string[] = [];
  private readonly byReqId = new Map<string, Utterance>();
  private readonly overWaiters = new Map<string, () => void>();
  private closing = false;

  private constructor(
    readonly sessionId: string,
    private readonly ws: WebSocket,
    private readonly client: DhumanClient,
  ) {
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code, reason) => {
      if (!this.closing) this.otherErrors.push(`channel closed ${code} ${reason.toString()}`.trim());
      for (const resolve of this.overWaiters.values()) resolve();
      this.overWaiters.clear();
    });
    ws.on('error', (error) => {
      if (!this.closing) this.otherErrors.push(`channel error: ${error.message}`);
    });
  }

  /** createsession → ready → startsession → command channel open. */
  static async start(
    client: DhumanClient,
    creds: Credentials,
    userId: string,
    projectId = 'demo',
  ): Promise<Talker> {
    const created = await client.createSession({
      VirtualmanProjectId: projectId,
      UserId: userId,
      Protocol: 'webrtc',
      DriverType: 1,
    });
    const sessionId = created.SessionId;
    try {
      await client.waitUntilReady(sessionId, { intervalMs: 50 });
      await client.startSession(sessionId);
      const query = await signedQuery({
        appkey: creds.appkey,
        accesstoken: creds.accesstoken,
        extra: { requestid: sessionId },
      });
      const url = `${creds.baseUrl.replace(/^http/, 'ws')}${DRIVE_PATHS.commandChannel}?${query}`;
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: OPEN_TIMEOUT_MS });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_request, response) =>
          reject(new Error(`channel upgrade refused with HTTP ${response.statusCode}`)),
        );
      });
      return new Talker(sessionId, ws, client);
    } catch (error) {
      await client.closeSession(sessionId).catch(() => undefined);
      throw error;
    }
  }

  /** Sends SEND_TEXT now (no Interrupt flag: a new text replaces what still plays, as the server defines). */
  say(reqId: string, text: string): Utterance {
    const previous = this.utterances.at(-1);
    const utterance: Utterance = {
      reqId,
      text,
      sentAt: 0,
      overlapped: previous !== undefined && previous.textOverAt === undefined && previous.error === undefined,
    };
    this.utterances.push(utterance);
    this.byReqId.set(reqId, utterance);
    const frame = JSON.stringify({
      Header: {},
      Payload: { ReqId: reqId, SessionId: this.sessionId, Command: 'SEND_TEXT', Data: { Text: text } },
    });
    utterance.sentAt = performance.now();
    this.ws.send(frame);
    return utterance;
  }

  /**
   * Follows a ReqId this talker did not send (the question a voice utterance became): its speak statuses are
   * recorded from now on, with `sentAt` as given.
   */
  watch(reqId: string, text: string, sentAt: number): Utterance {
    const utterance: Utterance = { reqId, text, sentAt, overlapped: false };
    this.utterances.push(utterance);
    this.byReqId.set(reqId, utterance);
    return utterance;
  }

  /** Resolves at the utterance's TextOver or error, at the channel's close, or after `timeoutMs`. */
  async finished(utterance: Utterance, timeoutMs: number): Promise<void> {
    if (utterance.textOverAt !== undefined || utterance.error !== undefined || this.isClosed) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.overWaiters.set(utterance.reqId, resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.overWaiters.delete(utterance.reqId);
  }

  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING;
  }

  /** Closes the channel and the session; never throws (a close that fails is the next step's problem). */
  async stop(): Promise<void> {
    this.closing = true;
    this.ws.close();
    await this.client.closeSession(this.sessionId).catch(() => undefined);
  }

  private onFrame(data: Buffer): void {
    const at = performance.now();
    let payload: DownFrame['Payload'];
    try {
      payload = (JSON.parse(data.toString()) as DownFrame).Payload;
    } catch {
      this.otherErrors.push('downstream frame is not JSON');
      return;
    }
    const utterance = payload?.ReqId ? this.byReqId.get(payload.ReqId) : undefined;
    if (payload?.Type === EVENT_TYPE.DRIVE_ERROR) {
      const message = `${payload.ErrorCode ?? '?'} ${payload.ErrorMessage ?? ''}`.trim();
      if (utterance) {
        utterance.error ??= message;
        this.overWaiters.get(utterance.reqId)?.();
      } else {
        this.otherErrors.push(message);
      }
      return;
    }
    if (!utterance || payload?.Type !== EVENT_TYPE.SPEAK_STATUS) return;
    if (payload.SpeakStatus === SPEAK_STATUS.TEXT_START && utterance.textStartAt === undefined) {
      utterance.textStartAt = at;
      if (payload.Timings?.FirstChunkMs !== undefined) utterance.firstChunkMs = payload.Timings.FirstChunkMs;
      if (payload.Timings?.FirstSampleMs !== undefined)
        utterance.firstSampleMs = payload.Timings.FirstSampleMs;
    } else if (payload.SpeakStatus === SPEAK_STATUS.TEXT_OVER && utterance.textOverAt === undefined) {
      utterance.textOverAt = at;
      this.overWaiters.get(utterance.reqId)?.();
    }
  }
}
