import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayAddressForm, SessionRecord, StreamProtocolSupported } from '@dhuman/core';
import { PlayAddresses, type PlayAddressesOptions } from './play-addresses.js';
import { StreamTokens } from './play-tokens.js';

const BASE = 'https://media.example.com:8443';
const ID = 'sess_0123456789';
const PUSH = 'rtmp://push.example.com/app/key?txSecret=abc&txTime=65A0B000';

let dir: string;
let tokens: StreamTokens;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhuman-addresses-'));
  tokens = StreamTokens.open(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A live session record; only the protocol and the push URL matter to the addresses. */
function session(protocol: StreamProtocolSupported, protocolOption?: Record<string, unknown>): SessionRecord {
  return {
    sessionId: ID,
    appkey: 'appkey',
    userId: 'user',
    projectId: 'demo',
    assetKey: 'demo',
    voice: 'en-us',
    protocol,
    driverType: 1,
    status: 1,
    isStarted: true,
    speakStatus: '',
    errorCode: 0,
    errorMessage: '',
    closeType: null,
    streamMaxIntervalMs: 2000,
    timeoutSec: null,
    options: protocolOption ? { protocolOption } : {},
    createdAt: 1,
    updatedAt: 1,
    startedAt: 1,
    closedAt: null,
    lastActivityAt: 1,
    idleTimeoutMs: 600_000,
    channelIdleMs: 180_000,
  };
}

function addresses(options: Partial<PlayAddressesOptions> = {}): PlayAddresses {
  return new PlayAddresses({
    tokens,
    baseUrl: () => BASE,
    embeddedRtmpPort: () => 1935,
    rtmpUrl: undefined,
    ...options,
  });
}

const FORMS: PlayAddressForm[] = ['page', 'hls', 'rtmp'];

describe('PlayAddresses.playAddress', () => {
  it('gives a webrtc session its player page, whatever non-HLS form the project asks for', () => {
    const play = tokens.token(ID);
    for (const form of ['page', 'rtmp'] as const) {
      expect(addresses().playAddress(session('webrtc'), form)).toBe(
        `${BASE}/dhuman/play/${ID}?token=${play}`,
      );
    }
  });

  it('gives the HLS playlist when the project asks for hls, for both protocols and any push target', () => {
    const hls = `${BASE}/dhuman/live/${ID}.m3u8?token=${tokens.token(ID)}`;
    expect(addresses().playAddress(session('webrtc'), 'hls')).toBe(hls);
    expect(addresses().playAddress(session('rtmp'), 'hls')).toBe(hls);
    expect(addresses().playAddress(session('rtmp', { CssCustomPushUrl: PUSH }), 'hls')).toBe(hls);
    expect(addresses({ rtmpUrl: 'rtmp://media.example.net/live' }).playAddress(session('rtmp'), 'hls')).toBe(
      hls,
    );
  });

  it('follows the base URL as it is when asked (the port is known only after listening)', () => {
    let base = 'http://127.0.0.1:0';
    const a = addresses({ baseUrl: () => base });
    base = 'http://127.0.0.1:41234';
    expect(a.playAddress(session('webrtc'), 'page')).toMatch(/^http:\/\/127\.0\.0\.1:41234\/dhuman\/play\//);
  });

  it('gives "" to an rtmp session pushed to its CssCustomPushUrl, and pushes there', () => {
    const s = session('rtmp', { CssCustomPushUrl: PUSH });
    for (const form of ['page', 'rtmp'] as const) expect(addresses().playAddress(s, form)).toBe('');
    expect(addresses().pushUrl(s)).toBe(PUSH);
    // The client's own URL wins over the operator's.
    expect(addresses({ rtmpUrl: 'rtmp://media.example.net/live' }).pushUrl(s)).toBe(PUSH);
  });

  it.each(['rtmp://media.example.net/live', 'rtmp://media.example.net/live/'])(
    'gives "" to an rtmp session pushed to DHUMAN_RTMP_URL %s, and pushes to it + SessionId',
    (rtmpUrl) => {
      const a = addresses({ rtmpUrl });
      for (const form of ['page', 'rtmp'] as const) expect(a.playAddress(session('rtmp'), form)).toBe('');
      expect(a.pushUrl(session('rtmp'))).toBe(`rtmp://media.example.net/live/${ID}`);
    },
  );

  it('treats an empty or non-string CssCustomPushUrl as absent', () => {
    for (const value of ['', 42, null]) {
      const s = session('rtmp', { CssCustomPushUrl: value });
      expect(addresses().pushUrl(s)).toMatch(/^rtmp:\/\/127\.0\.0\.1:1935\//);
      expect(addresses().playAddress(s, 'rtmp')).toMatch(/^rtmp:\/\/media\.example\.com:1935\//);
    }
  });

  it('sends viewers of an embedded-server rtmp session to the public host with the play token', () => {
    const a = addresses({ embeddedRtmpPort: () => 19350 });
    const expected = `rtmp://media.example.com:19350/live/${ID}?token=${tokens.token(ID)}`;
    for (const form of ['page', 'rtmp'] as const) expect(a.playAddress(session('rtmp'), form)).toBe(expected);
    expect(a.embeddedRtmp(ID)).toBe(expected);
  });

  it('publishes an embedded-server rtmp session over loopback with the publish token, not the play token', () => {
    const push = addresses({ embeddedRtmpPort: () => 19350 }).pushUrl(session('rtmp'));
    expect(push).toBe(`rtmp://127.0.0.1:19350/live/${ID}?token=${tokens.token(ID, 'publish')}`);
    expect(push).not.toContain(tokens.token(ID));
    expect(tokens.verify(ID, new URL(push!).searchParams.get('token'), 'publish')).toBe(true);
  });

  it('uses the bare IPv6 host of the base URL in brackets', () => {
    const a = addresses({ baseUrl: () => 'http://[::1]:8080' });
    expect(a.playAddress(session('rtmp'), 'rtmp')).toMatch(/^rtmp:\/\/\[::1\]:1935\/live\//);
  });

  it('has nothing for an rtmp session with no push URL and the embedded server off', () => {
    const a = addresses({ embeddedRtmpPort: () => undefined });
    for (const form of ['page', 'rtmp'] as const) expect(a.playAddress(session('rtmp'), form)).toBe('');
    expect(a.pushUrl(session('rtmp'))).toBeUndefined();
    expect(a.embeddedRtmp(ID)).toBeUndefined();
    // HLS is still there.
    expect(a.playAddress(session('rtmp'), 'hls')).toMatch(/\.m3u8\?token=/);
  });

  it('never puts the publish token in an address handed to viewers', () => {
    const publish = tokens.token(ID, 'publish');
    for (const protocol of ['webrtc', 'rtmp'] as const) {
      for (const form of FORMS)
        expect(addresses().playAddress(session(protocol), form)).not.toContain(publish);
    }
  });
});
