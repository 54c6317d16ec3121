import { z } from 'zod';
import { requestHeaderSchema } from './envelope.js';
import { sessionIdSchema } from './session-api.js';

/**
 * Drive commands (spec §4) as they arrive on the command channel and on the HTTP command API, and the events
 * sent back. Unknown fields are ignored (real clients send `Type: 0`, `ChatCommand: ""`, `Interrupt: false`
 * on everything, §9.1); every known field is type- and size-checked.
 */

export const DRIVE_COMMANDS = ['SEND_TEXT', 'SEND_STREAMTEXT', 'SEND_AUDIO', 'SEND_HEARTBEAT'] as const;
export type DriveCommandName = (typeof DRIVE_COMMANDS)[number];

/** SEND_TEXT limit: clients count characters (Chinese text is ~3 bytes each), spec §9.1. */
export const MAX_TEXT_CHARS = 4000;
/** SEND_STREAMTEXT fragment limit (spec §4.4: 2000 bytes). */
export const MAX_STREAM_FRAGMENT_BYTES = 2000;
/** One SEND_AUDIO chunk is 5120 bytes (160 ms); this allows 4 s per frame for clients that send bigger ones. */
export const MAX_AUDIO_CHUNK_BASE64_CHARS = 172_000;

const utf8 = new TextEncoder();
/** Code points, not UTF-16 units: an emoji is one character to the person typing it. */
const characterCount = (text: string): number => [...text].length;

export const driveCommandSchema = z.object({
  Header: requestHeaderSchema.optional(),
  Payload: z.looseObject({
    ReqId: z.string().min(1).max(128),
    SessionId: sessionIdSchema,
    Command: z.string().max(64),
    Data: z.looseObject({}).optional(),
  }),
});
export type DriveCommand = z.infer<typeof driveCommandSchema>;

const flag = z.boolean().optional();

export const sendTextDataSchema = z.looseObject({
  Text: z
    .string()
    .refine((t) => characterCount(t) <= MAX_TEXT_CHARS, {
      error: `must be at most ${MAX_TEXT_CHARS} characters`,
    })
    .optional(),
  Interrupt: flag,
  ChatCommand: z.string().max(64).optional(),
  ChatRoundId: z.string().max(128).optional(),
  CloudAiVisitorBizId: z.string().max(64).optional(),
  VideoSeiInfo: z.string().max(4096).optional(),
  SmartActionEnabled: flag,
  EnhanceText: z.union([z.number(), z.boolean(), z.string().max(16)]).optional(),
});
export type SendTextData = z.infer<typeof sendTextDataSchema>;

const seq = z.int({ error: 'must be a whole number' }).min(1, { error: 'must be 1 or more' }).max(1_000_000);

export const sendStreamTextDataSchema = z.looseObject({
  Text: z
    .string()
    .refine((t) => utf8.encode(t).length <= MAX_STREAM_FRAGMENT_BYTES, {
      error: `must be at most ${MAX_STREAM_FRAGMENT_BYTES} bytes of UTF-8`,
    })
    .optional(),
  Seq: seq,
  IsFinal: flag,
  Interrupt: flag,
  SmartActionEnabled: flag,
  IsSentence: flag,
  IsInsertSentence: flag,
});
export type SendStreamTextData = z.infer<typeof sendStreamTextDataSchema>;

export const sendAudioDataSchema = z.looseObject({
  Audio: z
    .string()
    .max(MAX_AUDIO_CHUNK_BASE64_CHARS, {
      error: `must be at most ${MAX_AUDIO_CHUNK_BASE64_CHARS} Base64 characters`,
    })
    .optional(),
  Seq: seq,
  IsFinal: flag,
  VideoSeiInfo: z.string().max(4096).optional(),
});
export type SendAudioData = z.infer<typeof sendAudioDataSchema>;

export const heartbeatDataSchema = z.looseObject({ Text: z.string().max(64).optional() });

/** Downstream `Payload.Type` values (spec §4.6, §9.3). */
export const EVENT_TYPE = Object.freeze({
  ERROR_LEGACY: 0,
  INPUT_ECHO: 1,
  STREAM_CONTENT: 2,
  SPEAK_STATUS: 3,
  REPLY_CONTENT: 4,
  THINKING_CONTENT: 5,
  DRIVE_ERROR: 9,
  /** dhuman: what the visitor said on the voice channel, partial (`Final: false`) or final. */
  TRANSCRIPT: 11,
  /** dhuman: the visitor started (`SpeechStart`) or stopped (`SpeechEnd`) speaking on the voice channel. */
  VOICE_ACTIVITY: 12,
});

export const VOICE_ACTIVITY = Object.freeze({ SPEECH_START: 'SpeechStart', SPEECH_END: 'SpeechEnd' });
export type VoiceActivity = (typeof VOICE_ACTIVITY)[keyof typeof VOICE_ACTIVITY];

/** Type 4 `ContentType` values dhuman sends (spec §4.6): plain text or SSML. */
export const CONTENT_TYPE = Object.freeze({ PLAIN: '1', SSML: '9' });

export const SPEAK_STATUS = Object.freeze({
  INITIAL: 'Initial',
  WAITING_TEXT_START: 'WaitingTextStart',
  TEXT_START: 'TextStart',
  WAITING_TEXT_OVER: 'WaitingTextOver',
  TEXT_OVER: 'TextOver',
  WAITING_AUDIO_START: 'WaitingAudioStart',
  AUDIO_START: 'AudioStart',
  WAITING_AUDIO_OVER: 'WaitingAudioOver',
  AUDIO_OVER: 'AudioOver',
  ERROR: 'Error',
  SENTENCE_NEXT: 'SentenceNext',
  SENTENCE_START: 'SentenceStart',
  SENTENCE_OVER: 'SentenceOver',
});
export type SpeakStatus = (typeof SPEAK_STATUS)[keyof typeof SPEAK_STATUS];

/** Per-stage timings dhuman adds to TextStart/AudioStart, in ms from when the command was received. */
export interface DriveTimings {
  ReceivedAt: number;
  FirstChunkMs?: number;
  FirstSampleMs?: number;
}

/** A downstream event's Payload. Fields beyond Type/ReqId/Seq appear only where they apply. */
export interface DriveEventPayload {
  Type: number;
  SessionId: string;
  ReqId: string;
  Seq: number;
  /** dhuman: increases by one per event of the session; `resumefrom` on reconnect replays what was missed. */
  EventSeq: number;
  SpeakStatus?: SpeakStatus;
  FinalType?: 1 | 2;
  Text?: string;
  ErrorCode?: number;
  ErrorMessage?: string;
  /** Same text as ErrorMessage: clients read either name (spec §4.6). */
  ErrorMsg?: string;
  Timings?: DriveTimings;
  // Type 4 (reply content) and Type 5 (reasoning): `Text` is the question; Type 11: `Text` is the transcript.
  TextPro?: string;
  TextDisplay?: string;
  ContentType?: string;
  TtsSupport?: boolean;
  /** Type 4: the answer's last clause. Type 11: the utterance's final transcript. */
  Final?: boolean;
  IsHighLight?: boolean;
  Uninterrupt?: boolean;
  Muted?: boolean;
  /** Type 12. */
  VoiceActivity?: VoiceActivity;
  /** Type 11/12: position in the voice channel's audio, ms from its first sample. */
  AtMs?: number;
}
