import { randomBytes } from 'node:crypto';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { IceServer } from './ice-servers.js';
import type { RtpFanout } from './rtp-fanout.js';

/** H.264 as ffmpeg sends it (baseline, single NAL/FU-A packetization) and Opus; components.md, "WebRTC (werift)". */
function codecs() {
  return {
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
        parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
      }),
    ],
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
  };
}

export interface WhepViewerOptions {
  offerSdp: string;
  fanout: RtpFanout;
  iceServers: IceServer[];
  icePortRange: [number, number] | undefined;
  /** Called once when the viewer is gone: DELETE, ICE/DTLS failure, or the stream closed it. */
  onClosed: (viewer: WhepViewer) => void;
  /** Longest wait for the server's own ICE candidates before answering with those gathered so far. */
  gatherTimeoutMs?: number;
}

/** Viewers that never connect (the browser went away after POST) are dropped after this long. */
const CONNECT_TIMEOUT_MS = 20_000;

/**
 * One WebRTC viewer of a session's stream (a WHEP resource): a werift peer connection that forwards the
 * session's shared RTP to the browser. It sends only; anything the browser sends besides RTCP is ignored.
 */
export class WhepViewer {
  readonly id = randomBytes(12).toString('base64url');
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private connectTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly onClosed: (viewer: WhepViewer) => void,
  ) {}

  /** Answers the browser's offer. Rejects (and cleans up) when the offer is not something we can answer. */
  static async answer(options: WhepViewerOptions): Promise<{ viewer: WhepViewer; answerSdp: string }> {
    const pc = new RTCPeerConnection({
      codecs: codecs(),
      iceServers: options.iceServers,
      ...(options.icePortRange && { icePortRange: options.icePortRange }),
    });
    const viewer = new WhepViewer(pc, options.onClosed);
    try {
      const video = new MediaStreamTrack({ kind: 'video' });
      const audio = new MediaStreamTrack({ kind: 'audio' });
      pc.addTransceiver(video, { direction: 'sendonly' });
      pc.addTransceiver(audio, { direction: 'sendonly' });
      await pc.setRemoteDescription({ type: 'offer', sdp: options.offerSdp });
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc.iceGatheringState !== 'complete') {
        await pc.iceGatheringStateChange
          .watch((state) => state === 'complete', options.gatherTimeoutMs ?? 3_000)
          .catch(() => undefined);
      }
      const answerSdp = pc.localDescription?.sdp;
      if (!answerSdp) throw new Error('no local description');
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') clearTimeout(viewer.connectTimer);
        if (state === 'failed' || state === 'closed') viewer.close();
      });
      viewer.connectTimer = setTimeout(() => {
        if (pc.connectionState !== 'connected') viewer.close();
      }, CONNECT_TIMEOUT_MS);
      viewer.connectTimer.unref();
      viewer.unsubscribe = options.fanout.subscribe(
        (packet) => video.writeRtp(packet),
        (packet) => audio.writeRtp(packet),
      );
      return { viewer, answerSdp };
    } catch (error) {
      viewer.close();
      throw error;
    }
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Stops forwarding and closes the peer connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.unsubscribe?.();
    void this.pc.close().catch(() => undefined);
    this.onClosed(this);
  }
}
