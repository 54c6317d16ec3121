import { iceGatheringDone } from './ice-gathering.js';
import { parseIceServerLinks } from './ice-links.js';
import { streamStatsFrom, type StreamStats } from './stats.js';
import { WhepError, whepErrorFrom } from './whep-error.js';

export interface WhepOptions {
  /** The WHEP endpoint, e.g. from `whepEndpointFromPlayAddress`; relative to the page when not absolute. */
  endpoint: string;
  /** ICE servers to use; else the endpoint is asked with `OPTIONS` (its `Link: …; rel="ice-server"` headers). */
  iceServers?: RTCIceServer[];
  /** Aborting stops the setup (the call rejects with the signal's reason) or, once playing, the playback. */
  signal?: AbortSignal;
  /** Longest wait for ICE gathering before the offer is sent with the candidates found so far; default 2000 ms. */
  gatherTimeoutMs?: number;
  /** Replaces the global `fetch` (tests, proxies). */
  fetch?: typeof fetch;
}

/** One viewer's playback of a WHEP stream. */
export interface WhepPlayback {
  readonly pc: RTCPeerConnection;
  /** The absolute URL of this viewer's resource on the server (the answer's `Location`). */
  readonly resource: string;
  /** Closes the connection and `DELETE`s the resource (failures ignored). Idempotent: later calls share one. */
  stop(): Promise<void>;
  stats(): Promise<StreamStats>;
}

// Local candidates (host, mDNS) come within a few ms; a STUN answer within a few hundred even across
// continents. Two seconds leaves room for a slow STUN server without making a viewer stare at nothing.
const DEFAULT_GATHER_TIMEOUT_MS = 2000;

/**
 * Plays the stream of a WHEP endpoint (the IETF WebRTC-HTTP Egress Protocol, no trickle ICE) in `video`: one
 * receive-only video and audio transceiver, an offer `POST`ed as `application/sdp` after ICE gathering, the
 * answer from the `201`. Any other answer rejects with `WhepError` carrying the status and the server's message
 * (e.g. 403 bad token, 404 unknown session, 503 `{Code: 100008}` when the server cannot take another stream).
 * Autoplay is the caller's concern: `video.srcObject` is set, `video.play()` is not called.
 */
export async function playWhep(video: HTMLVideoElement, options: WhepOptions): Promise<WhepPlayback> {
  const endpoint = absoluteUrl(options.endpoint);
  const gatherTimeoutMs = options.gatherTimeoutMs ?? DEFAULT_GATHER_TIMEOUT_MS;
  if (!(gatherTimeoutMs >= 0 && Number.isFinite(gatherTimeoutMs))) {
    throw new TypeError(`gatherTimeoutMs must be a number >= 0, got ${gatherTimeoutMs}`);
  }
  const { signal } = options;
  signal?.throwIfAborted();
  const fetchFn =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  const iceServers = options.iceServers ?? (await discoverIceServers(fetchFn, endpoint, signal));
  const pc = new RTCPeerConnection({ iceServers });
  try {
    const videoTransceiver = pc.addTransceiver('video', { direction: 'recvonly' });
    const audioTransceiver = pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringDone(pc, gatherTimeoutMs, signal);
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new Error('the browser made no SDP offer');

    const response = await request(fetchFn, 'WHEP POST', endpoint, signal, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Accept: 'application/sdp' },
      body: offer,
    });
    const text = await readBody(response, signal);
    if (response.status !== 201) throw whepErrorFrom('WHEP POST', response.status, text);
    const location = response.headers.get('location');
    if (!location) throw new WhepError('WHEP POST: the 201 answer has no Location header', 201);
    const resource = new URL(location, endpoint).href;
    // From here the server holds a viewer slot: a failure must give it back, hence the DELETE in stop().
    const stream = new MediaStream([videoTransceiver.receiver.track, audioTransceiver.receiver.track]);
    const playback = new Playback(pc, resource, video, stream, fetchFn, signal);
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: text });
    } catch (error) {
      await playback.stop();
      throw error;
    }
    if (signal?.aborted) {
      await playback.stop();
      signal.throwIfAborted();
    }
    video.srcObject = stream;
    return playback;
  } catch (error) {
    pc.close();
    throw error;
  }
}

class Playback implements WhepPlayback {
  readonly pc: RTCPeerConnection;
  readonly resource: string;
  readonly #video: HTMLVideoElement;
  readonly #stream: MediaStream;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    pc: RTCPeerConnection,
    resource: string,
    video: HTMLVideoElement,
    stream: MediaStream,
    fetchFn: typeof fetch,
    signal: AbortSignal | undefined,
  ) {
    this.pc = pc;
    this.resource = resource;
    this.#video = video;
    this.#stream = stream;
    this.#fetch = fetchFn;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async stats(): Promise<StreamStats> {
    return streamStatsFrom(await this.pc.getStats());
  }

  readonly #onAbort = (): void => {
    void this.stop();
  };

  async #stop(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.pc.close();
    if (this.#video.srcObject === this.#stream) this.#video.srcObject = null;
    try {
      // keepalive: stop() is what a page calls on `pagehide`, and the request must outlive the page.
      await this.#fetch(this.resource, { method: 'DELETE', keepalive: true });
    } catch {
      // Nothing to do: the server also drops a viewer whose connection goes silent.
    }
  }
}

/**
 * The ICE servers the endpoint advertises. Failure to ask is not fatal: the POST then reports what is wrong in
 * the server's words, and on a local network host candidates connect without any server.
 */
async function discoverIceServers(
  fetchFn: typeof fetch,
  endpoint: string,
  signal: AbortSignal | undefined,
): Promise<RTCIceServer[]> {
  try {
    const response = await fetchFn(endpoint, { method: 'OPTIONS', ...(signal && { signal }) });
    await response.body?.cancel();
    return response.ok ? parseIceServerLinks(response.headers.get('link')) : [];
  } catch {
    signal?.throwIfAborted();
    return [];
  }
}

async function request(
  fetchFn: typeof fetch,
  where: string,
  url: string,
  signal: AbortSignal | undefined,
  init: RequestInit,
): Promise<Response> {
  try {
    return await fetchFn(url, { ...init, ...(signal && { signal }) });
  } catch (error) {
    signal?.throwIfAborted();
    const reason = error instanceof Error ? error.message : String(error);
    throw new WhepError(`${where}: no answer from the server (${reason})`, 0, undefined, { cause: error });
  }
}

async function readBody(response: Response, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    signal?.throwIfAborted();
    throw new WhepError('WHEP POST: the answer broke off', response.status, undefined, { cause: error });
  }
}

function absoluteUrl(endpoint: string): string {
  const base = typeof location === 'undefined' ? undefined : location.href;
  try {
    return new URL(endpoint, base).href;
  } catch {
    throw new TypeError(`endpoint is not a URL: ${endpoint}`);
  }
}
