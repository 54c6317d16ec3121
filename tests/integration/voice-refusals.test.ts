// The voice channel's refusals, each with its documented code: a session not started (110016), a frame over
// 16000 bytes (close 1009), more channels than DHUMAN_VOICE_CHANNELS (100008), and a server whose speech
// recognition is off (-112003). The round trip and barge-in are in voice.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_PATHS } from '@dhuman/protocol';
import { call, startTestServer, waitFor, type TestServer } from './harness.js';
import { startedSession } from './channel-client.js';
import { RawVoice } from './voice-client.js';

let server: TestServer;
let off: TestServer;

beforeAll(async () => {
  [server, off] = await Promise.all([
    startTestServer({ DHUMAN_VOICE_CHANNELS: '1' }),
    startTestServer({ DHUMAN_ASR: 'off' }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([server?.dispose(), off?.dispose()]);
});

describe('voice channel refusals', () => {
  it('refuses a session that is not started yet with 110016', async () => {
    const created = await call(server.url, SESSION_PATHS.createsession, {
      VirtualmanProjectId: 'demo',
      UserId: 'not-started',
      Protocol: 'webrtc',
    });
    const sessionId = created.Payload.SessionId as string;
    await waitFor(async () => {
      const stat = await call(server.url, SESSION_PATHS.statsession, { SessionId: sessionId });
      return stat.Payload.SessionStatus === 1 || undefined;
    }, 20_000);
    await expect(RawVoice.open(server.url, sessionId)).rejects.toThrow(/"Code":110016/);
  }, 30_000);

  it('closes the channel with 1009 on a frame over 16000 bytes, and refuses a second channel past the limit', async () => {
    const first = await startedSession(server.url);
    const voice = await RawVoice.open(server.url, first);
    const second = await startedSession(server.url);
    await expect(RawVoice.open(server.url, second)).rejects.toThrow(/"Code":100008.*DHUMAN_VOICE_CHANNELS/);
    voice.ws.send(Buffer.alloc(16_002));
    await waitFor(() => Promise.resolve(voice.closed), 5_000);
    expect(voice.closed?.code).toBe(1009);
    // The slot is free again once the first channel closed.
    await waitFor(() => Promise.resolve(server.voices.openCount === 0 || undefined), 5_000);
    const again = await RawVoice.open(server.url, second);
    again.close();
  }, 30_000);

  it('refuses every voice channel with -112003 when speech recognition is off', async () => {
    const sessionId = await startedSession(off.url);
    await expect(RawVoice.open(off.url, sessionId)).rejects.toThrow(/"Code":-112003.*DHUMAN_ASR=off/);
  }, 30_000);
});
