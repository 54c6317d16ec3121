// Types for the few internals of node-media-server (a JavaScript package without typings) that
// embedded-rtmp-server.ts uses. The package is pinned (4.4.3) because these are not its public API: only the
// members we touch are declared, as they are in that version's src/ files.

declare module 'node-media-server/src/core/logger.js' {
  /** One process-wide logger; every level method calls `log`, which prints with console.log. */
  interface NmsLogger {
    level: string;
    log(message: string, logLevel?: string): void;
  }
  const logger: NmsLogger;
  export = logger;
}

declare module 'node-media-server/src/core/context.js' {
  /** One live stream path: its publisher, players and caches (src/server/broadcast_server.js). */
  interface NmsBroadcast {
    /** 'reconnecting' while a publisher that left is kept for its 30 s resume window. */
    getPublishStatus(): 'publishing' | 'reconnecting' | 'idle';
    /** Ends the publish now (drops the resume window and the caches) and unregisters the path if empty. */
    _finishPublish(): void;
  }
  /** Module-level state shared by everything the package creates in this process. */
  const Context: {
    config: Record<string, unknown>;
    broadcasts: Map<string, NmsBroadcast>;
  };
  export = Context;
}

declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  /** A decoded `publish` or `play` command; streamName keeps its `?query`. */
  interface RtmpInvoke {
    streamName?: string;
  }

  /** The RTMP protocol state machine of one connection (src/protocol/rtmp.js). */
  interface RtmpProtocol {
    /** The `app` of the RTMP connect command. */
    streamApp?: string;
    /** The chunk being handled; during a publish/play command its stream id is that command's stream. */
    parserPacket: { header: { stream_id: number } };
    onPublish(message: RtmpInvoke): void;
    onPlay(message: RtmpInvoke): void;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
  }

  /** One RTMP connection (publisher or player); `run()` attaches it to the socket. */
  class RtmpSession {
    constructor(socket: Socket);
    readonly id: string;
    readonly rtmp: RtmpProtocol;
    streamApp: string;
    streamName: string;
    streamPath: string;
    isPublisher: boolean;
    run(): void;
    /** Hands a publish to the stream (run() installs it); on refusal it only ends our side, isPublisher stays false. */
    onPush: () => void;
    /** Called by the stream's broadcaster for every message a player must receive. */
    sendBuffer: (buffer: Buffer) => void;
  }
  export = RtmpSession;
}
