import { createSocket, type Socket } from 'node:dgram';

export type RtpListener = (packet: Buffer) => void;

/**
 * Two loopback UDP sockets that receive the session's RTP from ffmpeg (one for H.264, one for Opus) and hand
 * every packet to each subscribed WebRTC viewer: one encode shared by all viewers. Bound to 127.0.0.1 on free
 * ports, so nothing off the machine can inject packets.
 */
export class RtpFanout {
  private readonly video = new Set<RtpListener>();
  private readonly audio = new Set<RtpListener>();
  private closed = false;

  private constructor(
    private readonly videoSocket: Socket,
    private readonly audioSocket: Socket,
  ) {
    videoSocket.on('message', (packet) => {
      for (const listener of this.video) listener(packet);
    });
    audioSocket.on('message', (packet) => {
      for (const listener of this.audio) listener(packet);
    });
  }

  static async open(): Promise<RtpFanout> {
    const bind = (socket: Socket) =>
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => {
          socket.off('error', reject);
          // A datagram error later (none expected on a receive-only loopback socket) must not crash the process.
          socket.on('error', () => undefined);
          resolve();
        });
      });
    const videoSocket = createSocket('udp4');
    const audioSocket = createSocket('udp4');
    try {
      await Promise.all([bind(videoSocket), bind(audioSocket)]);
    } catch (error) {
      videoSocket.close();
      audioSocket.close();
      throw error;
    }
    return new RtpFanout(videoSocket, audioSocket);
  }

  get videoPort(): number {
    return this.videoSocket.address().port;
  }

  get audioPort(): number {
    return this.audioSocket.address().port;
  }

  subscribe(onVideo: RtpListener, onAudio: RtpListener): () => void {
    this.video.add(onVideo);
    this.audio.add(onAudio);
    return () => {
      this.video.delete(onVideo);
      this.audio.delete(onAudio);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.video.clear();
    this.audio.clear();
    this.videoSocket.close();
    this.audioSocket.close();
  }
}
