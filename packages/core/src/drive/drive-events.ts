import type { DriveEventPayload } from '@dhuman/protocol';

/** A downstream event as the scheduler produces it; the session adds SessionId and EventSeq. */
export type DriveEvent = Omit<DriveEventPayload, 'SessionId' | 'EventSeq'>;
