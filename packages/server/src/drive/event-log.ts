import type { DriveEventPayload } from '@dhuman/protocol';

/**
 * The downstream events of one session, numbered by EventSeq. Keeps a bounded history so a client that
 * reconnects with `resumefrom=<EventSeq>` gets what it missed, and remembers which ReqIds were the last
 * drives so a plain reconnect re-sends their speak-status events (spec §4.3).
 */
export class EventLog {
  private readonly history: DriveEventPayload[] = [];
  private readonly recentDrives: string[] = [];
  private nextSeq = 1;

  constructor(
    private readonly capacity = 512,
    private readonly drivesToReplay = 3,
  ) {}

  append(event: Omit<DriveEventPayload, 'EventSeq'>): DriveEventPayload {
    const full: DriveEventPayload = { ...event, EventSeq: this.nextSeq++ };
    this.history.push(full);
    if (this.history.length > this.capacity) this.history.shift();
    if (event.ReqId && event.Type === 3 && !this.recentDrives.includes(event.ReqId)) {
      this.recentDrives.push(event.ReqId);
      if (this.recentDrives.length > this.drivesToReplay) this.recentDrives.shift();
    }
    return full;
  }

  /** Events after `eventSeq`; `complete` is false when some were already dropped from the history. */
  since(eventSeq: number): { events: DriveEventPayload[]; complete: boolean } {
    const first = this.history[0];
    const complete = !first || first.EventSeq <= eventSeq + 1;
    return { events: this.history.filter((e) => e.EventSeq > eventSeq), complete };
  }

  /** The speak-status events of the last few drives, in order. */
  recentDriveStatus(): DriveEventPayload[] {
    return this.history.filter((e) => e.Type === 3 && this.recentDrives.includes(e.ReqId));
  }

  get lastEventSeq(): number {
    return this.nextSeq - 1;
  }
}
