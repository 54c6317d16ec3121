import { expect } from 'vitest';
import { SESSION_PATHS as P } from '@dhuman/protocol';
import { call, reqId, settledStat, type TestServer } from './harness.js';

export interface WatchableSession {
  sessionId: string;
  /** Its PlayStreamAddr. */
  play: string;
  /** The play token in it. */
  token: string;
}

/** A ready webrtc session of the demo project, under a UserId of its own (a shared one would take it over). */
export async function newWebrtcSession(server: TestServer): Promise<WatchableSession> {
  const created = await call(server.url, P.createsession, {
    ReqId: reqId(),
    VirtualmanProjectId: 'demo',
    UserId: `viewer-${reqId()}`,
    Protocol: 'webrtc',
  });
  expect(created.Header.Code).toBe(0);
  const sessionId = created.Payload.SessionId as string;
  const stat = await settledStat(server.url, sessionId);
  expect(stat.SessionStatus).toBe(1);
  const play = stat.PlayStreamAddr as string;
  return { sessionId, play, token: new URL(play).searchParams.get('token') ?? '' };
}

/**
 * Fetches a session's HLS playlist like a player: a 503 "starting, retry shortly" is retried a few times, a 503
 * with Code 100008 (no capacity) is returned at once.
 */
export async function fetchPlaylist(server: TestServer, sessionId: string, token: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${server.url}/dhuman/live/${sessionId}.m3u8?token=${token}`);
    if (res.status !== 503 || attempt === 3) return res;
    if (((await res.clone().json()) as { Code: number }).Code === 100008) return res;
  }
}
