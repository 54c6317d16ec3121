import {
  DriveScheduler,
  type DriveEvent,
  type MediaClock,
  type MediaFrame,
  type SessionRecord,
  type SpeechServices,
} from '@dhuman/core';
import { EVENT_TYPE, SPEAK_STATUS, type DriveEventPayload, type IvhError } from '@dhuman/protocol';
import { EventLog } from './event-log.js';

export interface SessionDriveOptions {
  session: SessionRecord;
  speech: SpeechServices;
  clock: MediaClock;
  /** Called for every downstream event after it is numbered and logged. */
  onEvent?: (event: DriveEventPayload) => void;
}

/**
 * The live runtime of one started session: its drive scheduler and playout, the numbered event log, and the
 * media bus that outputs subscribe to. It exists while the session is live, whether or not a channel is open.
 */
export class SessionDrive {
  readonly sessionId: string;
  /** Clock ms that is pts 0 on this session's media timeline. */
  readonly originMs: number;
  readonly scheduler: DriveScheduler;
  readonly events = new EventLog();
  private readonly eventListeners = new Set<(event: DriveEventPayload) => void>();
  private readonly mediaListeners = new Set<(frame: MediaFrame) => void>();
  private closed = false;

  constructor(options: SessionDriveOptions) {
    const { session } = options;
    this.sessionId = session.sessionId;
    this.originMs = options.clock.now();
    const speechParam = session.options.speechParam;
    this.scheduler = new DriveScheduler({
      driverType: session.driverType,
      streamMaxIntervalMs: session.streamMaxIntervalMs,
      voice: { voice: session.voice, speed: speechParam?.Speed ?? 1, volume: speechParam?.Volume ?? 0 },
      speech: options.speech,
      clock: options.clock,
      originMs: this.originMs,
      publish: (frame) => {
        for (const listener of this.mediaListeners) listener(frame);
      },
      emit: (event) => this.emit(event),
    });
    if (options.onEvent) this.eventListeners.add(options.onEvent);
  }

  private emit(event: DriveEvent): void {
    const logged = this.events.append({ ...event, SessionId: this.sessionId });
    for (const listener of this.eventListeners) listener(logged);
  }

  /** Reports a refused command as a Type 9 error event on its ReqId; terminal for that ReqId only. */
  reportError(reqId: string, error: IvhError): void {
    this.emit({
      Type: EVENT_TYPE.DRIVE_ERROR,
      ReqId: reqId,
      Seq: 0,
      SpeakStatus: SPEAK_STATUS.ERROR,
      ErrorCode: error.code,
      ErrorMessage: error.message,
      ErrorMsg: error.message,
    });
  }

  onEvent(listener: (event: DriveEventPayload) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onMedia(listener: (frame: MediaFrame) => void): () => void {
    this.mediaListeners.add(listener);
    return () => this.mediaListeners.delete(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.close();
    this.eventListeners.clear();
    this.mediaListeners.clear();
  }
}
