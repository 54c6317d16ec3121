import {
  DriveScheduler,
  type DialogueEngine,
  type DriveEvent,
  type Question,
  type MediaClock,
  type MediaFrame,
  type SessionRecord,
  type SpeechServices,
} from '@dhuman/core';
import { EVENT_TYPE, SPEAK_STATUS, type DriveEventPayload, type IvhError } from '@dhuman/protocol';
import { Conversation } from '../dialogue/conversation.js';
import { EventLog } from './event-log.js';

export interface SessionDriveOptions {
  session: SessionRecord;
  speech: SpeechServices;
  clock: MediaClock;
  /** Called for every downstream event after it is numbered and logged. */
  onEvent?: (event: DriveEventPayload) => void;
  /** The project's dialogue engine, when it has one: questions are then answered instead of spoken. */
  dialogue?: () => Promise<DialogueEngine>;
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
  /** Present when the project has a dialogue engine. */
  readonly conversation: Conversation | undefined;
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
      ...(options.dialogue && { onQuestion: (question: Question) => void this.ask(question) }),
    });
    this.conversation = options.dialogue
      ? new Conversation({
          engine: options.dialogue,
          openAnswer: (question) => this.scheduler.openAnswer(question),
          createSplitter: () => options.speech.createSplitter(),
          emit: (event) => this.emit(event),
        })
      : undefined;
    if (options.onEvent) this.eventListeners.add(options.onEvent);
  }

  /**
   * A visitor's question (SEND_TEXT without NotUseChat, or a final voice transcript): answered by the dialogue
   * engine when the project has one, else spoken as given, as IVH does for a project without a bot.
   */
  ask(question: Question): Promise<void> {
    if (this.conversation) return this.conversation.ask(question);
    this.scheduler.sendText(question.reqId, { Text: question.text, ChatCommand: 'NotUseChat' });
    return Promise.resolve();
  }

  /** Appends an event produced outside the scheduler (voice activity, transcripts) to the session's log. */
  publish(event: DriveEvent): void {
    if (!this.closed) this.emit(event);
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
