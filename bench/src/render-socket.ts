import WebSocket from 'ws';
import { CLIENT_RENDER_SAMPLE_RATE, DRIVE_PATHS, signedQuery } from '@dhuman/protocol';
import type { Credentials } from './talker.js';

/**
 * One socket of the client-render channel (`driverengine`) for the client-render bench: sends TEXT requests as
 * raw frames, as a browser SDK does, and records when each ReqId's first and Final `SPEECH` frames arrived and
 * how much audio it carried.
 *
 * The load client shares the machine with the server, so frames are read cheaply: the Base64 audio, most of
 * every frame, is cut out of the raw bytes before `JSON.parse` and only its length is used (the audio's duration
 * follows from it), and text frames skip ws's UTF-8 validation.
 */

/** One TEXT request and what came back for it. Times are this process's `performance.now()`. */
export interface Render {
  reqId: string;
  sentAt: number;
  firstAt?: number;
  finalAt?: number;
  frames: number;
  /** SeqNo of the latest frame (0 before the first). */
  lastSeqNo: number;
  /** Audio received so far, from the Base64 lengths. */
  audioMs: number;
  /**
   * A frame came later than the audio received before it would have lasted, had playback started at the first
   * frame: a client playing as frames arrive would have run dry.
   */
  gap: boolean;
  /** Set by an error frame for this ReqId or a malformed `SPEECH` sequence. */
  error?: string;
  /** Sent while the socket's previous request had no Final yet. */
  overlapped: boolean;
}

interface DownFrame {
  Header?: { Code?: number; Message?: string };
  Payload?: {
    ErrorCode?: number;
    ErrorMessage?: string;
    ReqId?: string;
    DriverRspType?: string;
    SpeechRsp?: { Final?: boolean; SeqNo?: number };
  };
}

const OPEN_TIMEOUT_MS = 10_000;
const AUDIO_KEY = Buffer.from('"Audio":"');
const QUOTE = 0x22;
const PAD = 0x3d; // '='
const MS_PER_BYTE = 1000 / (2 * CLIENT_RENDER_SAMPLE_RATE); // 16-bit mono PCM

/**
 * Cuts the Audio string out of a frame's bytes: what is left is valid JSON with `"Audio":""`. Base64 never
 * contains a quote or a backslash, so the first quote after the key ends the value. The duration comes from
 * the length: 4 characters carry 3 bytes, minus one byte per `=` of padding.
 */
export function withoutAudio(data: Buffer): { json: string; audioMs: number } {
  const key = data.indexOf(AUDIO_KEY);
  const start = key + AUDIO_KEY.length;
  const end = key < 0 ? -1 : data.indexOf(QUOTE, start);
  if (end < 0) return { json: data.toString(), audioMs: 0 };
  const chars = end - start;
  const padding = chars < 4 ? 0 : Number(data[end - 1] === PAD) + Number(data[end - 2] === PAD);
  const bytes = Math.floor(chars / 4) * 3 - padding;
  return { json: data.toString('utf8', 0, start) + data.toString('utf8', end), audioMs: bytes * MS_PER_BYTE };
}

export class RenderSocket {
  /** Errors not tied to one of our ReqIds: error frames without one, unexpected closes, unreadable frames. */
  readonly otherErrors: string[] = [];
  private readonly byReqId = new Map<string, Render>();
  private readonly waiters = new Map<string, () => void>();
  private last: Render | undefined;
  private closing = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code, reason) => {
      if (!this.closing) this.otherErrors.push(`socket closed ${code} ${reason.toString()}`.trim());
      for (const wake of this.waiters.values()) wake();
      this.waiters.clear();
    });
    ws.on('error', (error) => {
      if (!this.closing) this.otherErrors.push(`socket error: ${error.message}`);
    });
  }

  /** Signs the URL (`requestid` names the conversation) and resolves once the socket is open. */
  static async open(creds: Credentials, requestId: string): Promise<RenderSocket> {
    const query = await signedQuery({
      appkey: creds.appkey,
      accesstoken: creds.accesstoken,
      extra: { requestid: requestId, Language: 'en-US' },
    });
    const url = `${creds.baseUrl.replace(/^http/, 'ws')}${DRIVE_PATHS.driverEngine}?${query}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: OPEN_TIMEOUT_MS,
      skipUTF8Validation: true,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      );
    });
    return new RenderSocket(ws);
  }

  /** Sends one TEXT request (SSML input, demo project) now. */
  say(reqId: string, text: string): Render {
    const previous = this.last;
    const render: Render = {
      reqId,
      sentAt: 0,
      frames: 0,
      lastSeqNo: 0,
      audioMs: 0,
      gap: false,
      overlapped: previous !== undefined && previous.finalAt === undefined && previous.error === undefined,
    };
    this.last = render;
    this.byReqId.set(reqId, render);
    const frame = JSON.stringify({
      Header: {},
      Payload: {
        ReqId: reqId,
        VirtualmanProjectId: 'demo',
        InputText: text,
        DriverType: 'TEXT',
        InputTextType: 'SSML',
        Seq: 0,
        IsFinal: false,
      },
    });
    render.sentAt = performance.now();
    this.ws.send(frame);
    return render;
  }

  /** Resolves at the request's Final frame or error, at the socket's close, or after `timeoutMs`. */
  async finished(render: Render, timeoutMs: number): Promise<void> {
    if (render.finalAt !== undefined || render.error !== undefined || this.isClosed) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiters.set(render.reqId, resolve);
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
    });
    clearTimeout(timer);
    this.waiters.delete(render.reqId);
  }

  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING;
  }

  /** Closes the socket, which aborts whatever the server is still rendering for it. */
  close(): void {
    this.closing = true;
    this.ws.close();
  }

  private onFrame(data: Buffer): void {
    const at = performance.now();
    const { json, audioMs } = withoutAudio(data);
    let frame: DownFrame;
    try {
      frame = JSON.parse(json) as DownFrame;
    } catch {
      this.otherErrors.push('downstream frame is not JSON');
      return;
    }
    const payload = frame.Payload;
    const render = payload?.ReqId ? this.byReqId.get(payload.ReqId) : undefined;
    const code = frame.Header?.Code || payload?.ErrorCode || 0;
    if (code !== 0) {
      const message = `${code} ${frame.Header?.Message || payload?.ErrorMessage || ''}`.trim();
      if (render) {
        render.error ??= message;
        this.waiters.get(render.reqId)?.();
      } else {
        this.otherErrors.push(message);
      }
      return;
    }
    const speech = payload?.SpeechRsp;
    if (!render || payload?.DriverRspType !== 'SPEECH' || !speech) return;
    if (render.finalAt !== undefined) {
      render.error ??= 'SPEECH frame after the Final one';
      return;
    }
    // SeqNo is the sentence number (from 1, as the vendor SDK reads it): it may repeat but never goes back.
    const seqNo = typeof speech.SeqNo === 'number' ? speech.SeqNo : Number.NaN;
    if (!(seqNo >= 1 && seqNo >= render.lastSeqNo)) {
      render.error ??= `SeqNo ${String(speech.SeqNo)} after ${render.lastSeqNo}`;
    }
    render.lastSeqNo = seqNo;
    render.firstAt ??= at;
    if (at - render.firstAt > render.audioMs) render.gap = true;
    render.frames++;
    render.audioMs += audioMs;
    if (speech.Final === true) {
      render.finalAt = at;
      this.waiters.get(render.reqId)?.();
    }
  }
}
