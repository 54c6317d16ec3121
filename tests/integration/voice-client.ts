import WebSocket from 'ws';
import { signedUrl } from './harness.js';

export interface VoiceFrame {
  Header: { Code: number; Message: string };
  Payload: {
    Type: number;
    ReqId: string;
    Seq: number;
    Text?: string;
    Final?: boolean;
    VoiceActivity?: string;
    AtMs?: number;
    ErrorCode?: number;
    ErrorMsg?: string;
  };
  /** performance.now() when it arrived. */
  at: number;
}

/** A raw voice channel (`/dhuman/ws/sessions/<id>/voice`) that records what comes back. */
export class RawVoice {
  readonly frames: VoiceFrame[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) =>
      this.frames.push({ ...(JSON.parse(data.toString()) as Omit<VoiceFrame, 'at'>), at: performance.now() }),
    );
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async open(base: string, sessionId: string): Promise<RawVoice> {
    const url = await signedUrl(base.replace(/^http/, 'ws'), `/dhuman/ws/sessions/${sessionId}/voice`, {
      extra: { requestid: sessionId },
    });
    const ws = new WebSocket(url);
    const voice = new RawVoice(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        // The refusal's body is the IVH envelope: its code says why.
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => reject(new Error(`upgrade refused with ${res.statusCode}: ${body}`)));
      });
    });
    return voice;
  }

  /**
   * Sends `pcm` (16 kHz) in 20 ms chunks at the pace a microphone records it: each chunk leaves when its last
   * sample has been "heard". Returns the performance.now() at which sample 0 was heard.
   */
  async stream(pcm: Int16Array, realTime = true): Promise<number> {
    const chunk = 320;
    const start = performance.now();
    for (let at = 0; at < pcm.length; at += chunk) {
      const part = pcm.subarray(at, Math.min(pcm.length, at + chunk));
      if (realTime) {
        const due = start + ((at + part.length) * 1000) / 16_000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      this.ws.send(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    }
    return start;
  }

  close(): void {
    this.ws.close();
  }
}

/** Index of the first sample louder than `threshold` (the speech onset of a clean recording). */
export function onsetIndex(pcm: Int16Array, threshold = 1000): number {
  return pcm.findIndex((v) => Math.abs(v) > threshold);
}
