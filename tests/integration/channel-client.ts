import WebSocket from 'ws';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import { call, signedUrl, waitFor, type CallOptions } from './harness.js';

export interface Frame {
  Header: { Code: number; Message: string; RequestID: string; SessionID: string };
  Payload: {
    Type: number;
    SessionId: string;
    ReqId: string;
    Seq: number;
    EventSeq: number;
    SpeakStatus?: string;
    FinalType?: number;
    Text?: string;
    ErrorCode?: number;
    ErrorMessage?: string;
    ErrorMsg?: string;
    Timings?: { FirstSampleMs?: number; FirstChunkMs?: number };
  };
  /** performance.now() when it arrived. */
  at: number;
}

/** A raw command-channel connection that records every frame, for tests that check the wire. */
export class RawChannel {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) =>
      this.frames.push({ ...(JSON.parse(data.toString()) as Omit<Frame, 'at'>), at: performance.now() }),
    );
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async open(
    base: string,
    sessionId: string,
    extra: Record<string, string> = {},
    options: CallOptions = {},
  ): Promise<RawChannel> {
    const url = await signedUrl(base.replace(/^http/, 'ws'), DRIVE_PATHS.commandChannel, {
      ...options,
      extra: { requestid: sessionId, ...extra },
    });
    const ws = new WebSocket(url);
    const channel = new RawChannel(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused with ${res.statusCode}`)),
      );
    });
    return channel;
  }

  send(
    sessionId: string,
    command: string,
    data: Record<string, unknown>,
    reqId = crypto.randomUUID().replaceAll('-', ''),
  ): string {
    this.ws.send(
      JSON.stringify({
        Header: {},
        Payload: { ReqId: reqId, SessionId: sessionId, Command: command, Data: data },
      }),
    );
    return reqId;
  }

  of(reqId: string): Frame[] {
    return this.frames.filter((f) => f.Payload.ReqId === reqId);
  }

  statuses(reqId: string): string[] {
    return this.of(reqId).map((f) => f.Payload.SpeakStatus ?? `T${f.Payload.Type}`);
  }

  async waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(() => Promise.resolve(this.frames.find(predicate)), timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}

/** Creates, waits for and starts a session; returns its id. */
export async function startedSession(
  base: string,
  payload: Record<string, unknown> = {},
  options: CallOptions = {},
): Promise<string> {
  const created = await call(
    base,
    SESSION_PATHS.createsession,
    { VirtualmanProjectId: 'demo', UserId: crypto.randomUUID(), Protocol: 'webrtc', ...payload },
    options,
  );
  if (created.Header.Code !== 0) throw new Error(created.Header.Message);
  const sessionId = created.Payload.SessionId as string;
  await waitFor(async () => {
    const stat = await call(base, SESSION_PATHS.statsession, { SessionId: sessionId }, options);
    return stat.Payload.SessionStatus === 1 ? true : undefined;
  }, 20_000);
  await call(base, SESSION_PATHS.startsession, { SessionId: sessionId }, options);
  return sessionId;
}
