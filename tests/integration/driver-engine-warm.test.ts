import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DRIVE_PATHS } from '@dhuman/protocol';
import { reqId, signedUrl, startTestServer } from './harness.js';

// The first driverengine request after the server started used to take 2–8 s on a busy 2-CPU machine: the
// speech engine's worker threads started (WASM compiled, voices loaded) on that request. The server now warms
// the engine in the background from start-up on.

/**
 * First SPEECH frame of the first request, once the engine is warm: 35–70 ms measured on a 2-CPU machine at
 * load 4. Cold, the same request took 1.1–2 s there (the warm-up it had to wait for). The bound leaves a
 * tenfold margin for load.
 */
const FIRST_FRAME_BOUND_MS = 750;

describe('speech engine warm-up at start', () => {
  it('warms by itself, so the first driverengine request on a fresh server is fast', async () => {
    const server = await startTestServer();
    try {
      // No request has been made: the server warmed the engine on its own.
      expect(await server.speechReady).toBe(true);
      const url = await signedUrl(server.url.replace(/^http/, 'ws'), DRIVE_PATHS.driverEngine, {
        extra: { requestid: reqId() },
      });
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_r, res) => reject(new Error(`refused ${res.statusCode}`)));
      });
      const firstFrame = new Promise<number>((resolve) => {
        const sent = performance.now();
        ws.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { Payload: { DriverRspType?: string } };
          if (frame.Payload.DriverRspType === 'SPEECH') resolve(performance.now() - sent);
        });
        ws.send(
          JSON.stringify({
            Header: {},
            Payload: {
              ReqId: reqId(),
              VirtualmanProjectId: 'demo',
              InputText: 'Hello, I am a digital human.',
              DriverType: 'TEXT',
            },
          }),
        );
      });
      expect(await firstFrame).toBeLessThan(FIRST_FRAME_BOUND_MS);
      ws.close();
    } finally {
      await server.dispose();
    }
  }, 30_000);
});
