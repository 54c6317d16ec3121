import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVE_PATHS, SESSION_PATHS } from '@dhuman/protocol';
import { call, reqId, startTestServer, waitFor, type TestServer } from './harness.js';
import { RawChannel, startedSession } from './channel-client.js';

// statsession's SpeakStatus (spec §3.4) is the session's last drive state, one of the Type 3 values of §4.6.
// It used to stay "" whatever was spoken.

const speakStatus = async (base: string, sessionId: string): Promise<unknown> =>
  (await call(base, SESSION_PATHS.statsession, { SessionId: sessionId })).Payload.SpeakStatus;

describe('statsession SpeakStatus', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('follows a drive over the command channel, during and after speech', async () => {
    const sessionId = await startedSession(server.url);
    expect(await speakStatus(server.url, sessionId)).toBe('');
    const channel = await RawChannel.open(server.url, sessionId);
    const id = channel.send(sessionId, 'SEND_TEXT', {
      Text: 'This takes a second or two to speak.',
    });
    await channel.waitFor((f) => f.Payload.ReqId === id && f.Payload.SpeakStatus === 'WaitingTextOver');
    const during = await speakStatus(server.url, sessionId);
    expect(['WaitingTextOver', 'TextOver']).toContain(during);
    await channel.waitFor((f) => f.Payload.ReqId === id && f.Payload.SpeakStatus === 'TextOver');
    expect(await speakStatus(server.url, sessionId)).toBe('TextOver');
    // A refused drive is the last state too.
    const bad = channel.send(sessionId, 'SEND_TEXT', { Text: '<speak>unclosed' });
    await channel.waitFor((f) => f.Payload.ReqId === bad && f.Payload.SpeakStatus === 'Error');
    expect(await speakStatus(server.url, sessionId)).toBe('Error');
    channel.close();
  }, 20_000);

  it('follows a drive over HTTP, with no channel open', async () => {
    const sessionId = await startedSession(server.url);
    const res = await call(server.url, DRIVE_PATHS.command, {
      ReqId: reqId(),
      SessionId: sessionId,
      Command: 'SEND_TEXT',
      Data: { Text: 'Spoken over HTTP, long enough to be seen while it plays.' },
    });
    expect(res.Header.Code).toBe(0);
    const seen = new Set<unknown>();
    await waitFor(async () => {
      const status = await speakStatus(server.url, sessionId);
      seen.add(status);
      return status === 'TextOver' ? true : undefined;
    }, 15_000);
    // Polled, so not every state is seen, but speech was seen going on before it was over.
    expect([...seen].some((s) => s === 'TextStart' || s === 'WaitingTextOver')).toBe(true);
  }, 20_000);
});
