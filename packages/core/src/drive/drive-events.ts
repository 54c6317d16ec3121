import type { DriveTimings, SpeakStatus } from '@dhuman/protocol';

/** A downstream event as the scheduler produces it; the channel adds SessionId and EventSeq. */
export interface DriveEvent {
  Type: number;
  ReqId: string;
  Seq: number;
  SpeakStatus?: SpeakStatus;
  FinalType?: 1 | 2;
  Text?: string;
  ErrorCode?: number;
  ErrorMessage?: string;
  ErrorMsg?: string;
  Timings?: DriveTimings;
}
