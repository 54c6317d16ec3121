import type { DialogueEngine, MediaClock, SessionManager, SessionRecord, SpeechServices } from '@dhuman/core';
import type { DriveEventPayload } from '@dhuman/protocol';
import { SessionDrive } from './session-drive.js';

/**
 * The session drives of this node, created when a started session first gets a channel or a command, and
 * closed when the session ends (close, idle, takeover, restart). Closing a drive interrupts its speech.
 */
export class DriveRegistry {
  private readonly drives = new Map<string, SessionDrive>();
  private readonly endedListeners = new Set<(sessionId: string, reason: string) => void>();

  constructor(
    private readonly manager: SessionManager,
    private readonly speech: SpeechServices,
    private readonly clock: MediaClock,
    /** Sees every event of every session (metrics). */
    private readonly onAnyEvent?: (event: DriveEventPayload) => void,
    /** The dialogue engine of a session's project, when it has one. */
    private readonly dialogueFor?: (session: SessionRecord) => (() => Promise<DialogueEngine>) | undefined,
  ) {
    manager.on('ended', (session) => this.end(session.sessionId, session.errorMessage || 'session closed'));
  }

  forSession(session: SessionRecord): SessionDrive {
    let drive = this.drives.get(session.sessionId);
    if (!drive) {
      const dialogue = this.dialogueFor?.(session);
      drive = new SessionDrive({
        session,
        speech: this.speech,
        clock: this.clock,
        ...(dialogue && { dialogue }),
        onEvent: (event) => {
          // statsession's SpeakStatus: the last drive state, whether the drive came by channel or HTTP.
          // Informational only: a store that fails here (closing at shutdown) must not stop the speech.
          try {
            if (event.SpeakStatus) this.manager.recordSpeakStatus(event.SessionId, event.SpeakStatus);
          } catch {
            // the next event records it again
          }
          this.onAnyEvent?.(event);
        },
      });
      this.drives.set(session.sessionId, drive);
    }
    return drive;
  }

  get(sessionId: string): SessionDrive | undefined {
    return this.drives.get(sessionId);
  }

  /** Told when a session's drive ends, e.g. to close its channel with the reason. */
  onEnded(listener: (sessionId: string, reason: string) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  private end(sessionId: string, reason: string): void {
    const drive = this.drives.get(sessionId);
    this.drives.delete(sessionId);
    drive?.close();
    for (const listener of this.endedListeners) listener(sessionId, reason);
  }

  get size(): number {
    return this.drives.size;
  }

  close(): void {
    for (const drive of this.drives.values()) drive.close();
    this.drives.clear();
  }
}
