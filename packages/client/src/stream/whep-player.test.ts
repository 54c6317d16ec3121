import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WhepError } from './whep-error.js';
import { playWhep } from './whep-player.js';

// Node has no WebRTC: a scripted RTCPeerConnection stands in, so what is checked is the WHEP exchange (the
// requests, their order and headers, and the cleanup on every path), not the media.

const ENDPOINT = 'https://h.example.com/dhuman/whep/m1?token=T';
const RESOURCE = 'https://h.example.com/dhuman/whep/m1/v7?token=T';
const ANSWER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=answer\r\n';

interface Options {
  /** Never finish gathering (a dead interface), so only the timeout ends the wait. */
  gatherForever?: boolean;
  rejectAnswer?: boolean;
}
let script: Options = {};

class FakePeerConnection extends EventTarget {
  static instances: FakePeerConnection[] = [];
  readonly config: RTCConfiguration;
  readonly transceivers: { kind: string; init: RTCRtpTransceiverInit; receiver: { track: object } }[] = [];
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  closed = false;

  constructor(config: RTCConfiguration) {
    super();
    this.config = config;
    FakePeerConnection.instances.push(this);
  }

  addTransceiver(kind: string, init: RTCRtpTransceiverInit) {
    const transceiver = { kind, init, receiver: { track: { kind } } };
    this.transceivers.push(transceiver);
    return transceiver;
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return Promise.resolve({ type: 'offer', sdp: 'v=0\r\ns=offer\r\n' });
  }

  setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = description;
    this.iceGatheringState = 'gathering';
    if (!script.gatherForever) {
      setTimeout(() => {
        this.localDescription = {
          type: 'offer',
          sdp: `${description.sdp ?? ''}a=candidate:1 1 udp 1 10.0.0.2 5000 typ host\r\n`,
        };
        this.iceGatheringState = 'complete';
        this.dispatchEvent(new Event('icegatheringstatechange'));
      }, 5);
    }
    return Promise.resolve();
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (script.rejectAnswer) return Promise.reject(new Error('bad answer'));
    this.remoteDescription = description;
    return Promise.resolve();
  }

  getStats(): Promise<Map<string, object>> {
    return Promise.resolve(
      new Map([
        ['v', { type: 'inbound-rtp', kind: 'video', framesDecoded: 10, frameWidth: 320, frameHeight: 240 }],
      ]),
    );
  }

  close(): void {
    this.closed = true;
  }
}

class FakeMediaStream {
  constructor(readonly tracks: object[]) {}
}

interface Call {
  method: string;
  url: string;
  init: RequestInit;
}
let calls: Call[];
let answerPost: () => Response;
let answerOptions: () => Response;

const fetchFn = vi.fn((input: string, init: RequestInit = {}) => {
  const method = init.method ?? 'GET';
  calls.push({ method, url: input, init });
  if (init.signal?.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
  if (method === 'OPTIONS') return Promise.resolve(answerOptions());
  if (method === 'POST') return Promise.resolve(answerPost());
  return Promise.resolve(new Response(null, { status: 200 }));
}) as unknown as typeof fetch;

const created = () =>
  new Response(ANSWER, {
    status: 201,
    headers: { 'Content-Type': 'application/sdp', Location: '/dhuman/whep/m1/v7?token=T' },
  });

function fakeVideo(): HTMLVideoElement {
  return { srcObject: null } as unknown as HTMLVideoElement;
}

const lastPc = () => {
  const pc = FakePeerConnection.instances.at(-1);
  if (!pc) throw new Error('no RTCPeerConnection made');
  return pc;
};
const methods = () => calls.map((c) => c.method);

beforeEach(() => {
  script = {};
  calls = [];
  FakePeerConnection.instances = [];
  answerPost = created;
  answerOptions = () => {
    const headers = new Headers();
    headers.append('Link', '<stun:stun.example.net:3478>; rel="ice-server"');
    headers.append('Link', '<turn:turn.example.net>; rel="ice-server"; username="u"; credential="p"');
    return new Response(null, { status: 204, headers });
  };
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  vi.stubGlobal('MediaStream', FakeMediaStream);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('playWhep', () => {
  it('asks for ICE servers, posts the gathered offer, plays the answer, and stops once', async () => {
    const video = fakeVideo();
    const playback = await playWhep(video, { endpoint: ENDPOINT, fetch: fetchFn });
    const pc = lastPc();

    expect(methods()).toEqual(['OPTIONS', 'POST']);
    expect(pc.config.iceServers).toEqual([
      { urls: 'stun:stun.example.net:3478' },
      { urls: 'turn:turn.example.net', username: 'u', credential: 'p' },
    ]);
    expect(pc.transceivers.map((t) => [t.kind, t.init.direction])).toEqual([
      ['video', 'recvonly'],
      ['audio', 'recvonly'],
    ]);
    const post = calls[1];
    expect(post?.url).toBe(ENDPOINT);
    expect(new Headers(post?.init.headers).get('content-type')).toBe('application/sdp');
    // Sent after gathering: the offer carries the candidate.
    expect(post?.init.body).toContain('a=candidate:1');
    expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: ANSWER });
    expect(playback.resource).toBe(RESOURCE);
    expect(playback.pc).toBe(pc);
    expect(video.srcObject).toBeInstanceOf(FakeMediaStream);
    expect((video.srcObject as unknown as FakeMediaStream).tracks).toEqual([
      { kind: 'video' },
      { kind: 'audio' },
    ]);
    expect(await playback.stats()).toMatchObject({ framesDecoded: 10, frameWidth: 320, frameHeight: 240 });

    const first = playback.stop();
    expect(playback.stop()).toBe(first);
    await first;
    await playback.stop();
    expect(methods()).toEqual(['OPTIONS', 'POST', 'DELETE']);
    expect(calls[2]).toMatchObject({ url: RESOURCE, init: { keepalive: true } });
    expect(pc.closed).toBe(true);
    expect(video.srcObject).toBeNull();
  });

  it('uses given ICE servers without asking', async () => {
    const iceServers = [{ urls: 'stun:mine.example.net' }];
    await playWhep(fakeVideo(), { endpoint: ENDPOINT, iceServers, fetch: fetchFn });
    expect(methods()).toEqual(['POST']);
    expect(lastPc().config.iceServers).toEqual(iceServers);
  });

  it('goes on without ICE servers when OPTIONS fails', async () => {
    answerOptions = () => {
      throw new TypeError('Failed to fetch');
    };
    await playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn });
    expect(methods()).toEqual(['OPTIONS', 'POST']);
    expect(lastPc().config.iceServers).toEqual([]);
  });

  it('rejects with the server message of a 503 and closes the connection', async () => {
    answerPost = () =>
      new Response(JSON.stringify({ Code: 100008, Message: 'server is full' }), {
        status: 503,
        headers: { 'Content-Type': 'application/json' },
      });
    const video = fakeVideo();
    const error = await playWhep(video, { endpoint: ENDPOINT, fetch: fetchFn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhepError);
    expect(error).toMatchObject({ status: 503, code: 100008, message: 'server is full' });
    expect(lastPc().closed).toBe(true);
    expect(video.srcObject).toBeNull();
    expect(methods()).toEqual(['OPTIONS', 'POST']);
  });

  it('rejects a 201 without Location', async () => {
    answerPost = () => new Response(ANSWER, { status: 201 });
    await expect(playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn })).rejects.toThrow(
      /no Location/,
    );
    expect(lastPc().closed).toBe(true);
  });

  it('rejects with status 0 when the POST gets no answer', async () => {
    answerPost = () => {
      throw new TypeError('Failed to fetch');
    };
    const error = await playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'WhepError', status: 0 });
    expect((error as Error).message).toMatch(/no answer.*Failed to fetch/);
  });

  it('sends what it has when gathering does not finish in time', async () => {
    script.gatherForever = true;
    const started = Date.now();
    await playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn, gatherTimeoutMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(methods()).toEqual(['OPTIONS', 'POST']);
  });

  it('gives the viewer slot back when the answer cannot be applied', async () => {
    script.rejectAnswer = true;
    await expect(playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn })).rejects.toThrow('bad answer');
    expect(methods()).toEqual(['OPTIONS', 'POST', 'DELETE']);
    expect(calls[2]?.url).toBe(RESOURCE);
    expect(lastPc().closed).toBe(true);
  });

  it('stops setting up when aborted while gathering', async () => {
    script.gatherForever = true;
    const controller = new AbortController();
    const playing = playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn, signal: controller.signal });
    await vi.waitFor(() => expect(FakePeerConnection.instances).toHaveLength(1));
    controller.abort();
    await expect(playing).rejects.toMatchObject({ name: 'AbortError' });
    expect(lastPc().closed).toBe(true);
    expect(methods()).toEqual(['OPTIONS']);
  });

  it('stops playing when aborted afterwards', async () => {
    const controller = new AbortController();
    const video = fakeVideo();
    await playWhep(video, { endpoint: ENDPOINT, fetch: fetchFn, signal: controller.signal });
    controller.abort();
    await vi.waitFor(() => expect(methods()).toEqual(['OPTIONS', 'POST', 'DELETE']));
    expect(lastPc().closed).toBe(true);
    expect(video.srcObject).toBeNull();
  });

  it('refuses a bad endpoint or timeout before any request', async () => {
    await expect(playWhep(fakeVideo(), { endpoint: 'no url', fetch: fetchFn })).rejects.toThrow(TypeError);
    await expect(
      playWhep(fakeVideo(), { endpoint: ENDPOINT, fetch: fetchFn, gatherTimeoutMs: -1 }),
    ).rejects.toThrow(/gatherTimeoutMs/);
    expect(calls).toEqual([]);
  });
});
