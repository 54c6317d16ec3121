import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { RtpCounter } from './stream-rtp-counter.js';

/**
 * One WHEP viewer for the stream bench: a werift peer connection in this process, receive-only video and audio,
 * that counts the RTP it gets and never decodes it, so a viewer costs the load client little (SRTP and RTCP
 * only). The offer goes out after ICE gathering, as the server takes no trickled candidates.
 */

/** What the server offers (components.md): H.264 baseline as ffmpeg packetizes it, and Opus. */
function codecs() {
  return {
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
      }),
    ],
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
  };
}

/** Host candidates on loopback come within milliseconds; this only bounds a broken gathering. */
const GATHER_TIMEOUT_MS = 2_000;
/** The POST starts the stream (ffmpeg, render worker) before it answers, which takes a few hundred ms. */
const POST_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 10_000;
const DELETE_TIMEOUT_MS = 5_000;
const VIDEO_CLOCK_HZ = 90_000;

export class StreamViewer {
  readonly video: RtpCounter;
  readonly audio = new RtpCounter(0);
  /** The server's resource for this viewer (the 201's Location), once the POST succeeded. */
  resource: string | undefined;
  private closing: Promise<void> | undefined;
  private firstFrame: (() => void) | undefined;
  private readonly firstFrameSeen: Promise<void>;

  private constructor(
    private readonly pc: RTCPeerConnection,
    fps: number,
  ) {
    this.video = new RtpCounter(VIDEO_CLOCK_HZ / fps);
    this.firstFrameSeen = new Promise((resolve) => (this.firstFrame = resolve));
  }

  /** POSTs an offer to `endpoint` and resolves once the peer connection is connected. */
  static async open(endpoint: string, fps: number): Promise<StreamViewer> {
    // No STUN: werift's default asks a public server, and the bench talks to the server over loopback.
    // max-bundle: one ICE transport for both tracks; with werift's default (max-compat) the transport of the
    // second m-line, unused once the answer bundles, keeps its UDP sockets open after close().
    const pc = new RTCPeerConnection({ codecs: codecs(), iceServers: [], bundlePolicy: 'max-bundle' });
    const viewer = new StreamViewer(pc, fps);
    try {
      const video = pc.addTransceiver('video', { direction: 'recvonly' });
      const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
      video.onTrack.subscribe((track) =>
        track.onReceiveRtp.subscribe((rtp) => {
          viewer.video.onPacket(rtp.header);
          if (rtp.header.marker) viewer.firstFrame?.();
        }),
      );
      audio.onTrack.subscribe((track) =>
        track.onReceiveRtp.subscribe((rtp) => viewer.audio.onPacket(rtp.header)),
      );

      await pc.setLocalDescription(await pc.createOffer());
      if (pc.iceGatheringState !== 'complete') {
        await pc.iceGatheringStateChange
          .watch((state) => state === 'complete', GATHER_TIMEOUT_MS)
          .catch(() => undefined);
      }
      const offer = pc.localDescription?.sdp;
      if (!offer) throw new Error('werift made no offer');
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: offer,
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      const answer = await response.text();
      if (response.status !== 201) {
        throw new Error(`WHEP POST: HTTP ${response.status} ${answer.slice(0, 200)}`.trim());
      }
      const location = response.headers.get('location');
      if (!location) throw new Error('WHEP POST: no Location');
      viewer.resource = new URL(location, endpoint).href;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      if (pc.connectionState !== 'connected') {
        await pc.connectionStateChange
          .watch((state) => state === 'connected', CONNECT_TIMEOUT_MS)
          .catch(() => {
            throw new Error(`WebRTC not connected within ${CONNECT_TIMEOUT_MS} ms (${pc.connectionState})`);
          });
      }
      return viewer;
    } catch (error) {
      await viewer.close();
      throw error;
    }
  }

  /** Resolves at the first complete video frame, or rejects after `timeoutMs`. */
  async firstVideoFrame(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.firstFrameSeen,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no video frame within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** DELETEs the resource (failures ignored) and closes the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.resource) {
        await fetch(this.resource, { method: 'DELETE', signal: AbortSignal.timeout(DELETE_TIMEOUT_MS) })
          .then((response) => response.body?.cancel())
          .catch(() => undefined);
      }
      await this.pc.close().catch(() => undefined);
    })();
    return this.closing;
  }
}
