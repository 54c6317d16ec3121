import { z } from 'zod';

/** Longest `InputText` of one frame, in characters (code points). */
export const MAX_INPUT_CHARS = 4000;

/** The SDK's stream stop: `{InputText: "end", Seq: 9999, IsFinal: true}` on the stream's ReqId (spec §9.4). */
export const STOP_SEQ = 9999;

export const DRIVER_TYPES = ['TEXT', 'CHAT', 'STREAM_TEXT'] as const;
export type DriverType = (typeof DRIVER_TYPES)[number];

const speechParamSchema = z.object({
  TimbreKey: z.string().max(128).optional(),
  Speed: z.number().min(0.5).max(2).optional(),
  Volume: z.number().min(-10).max(10).optional(),
  EmotionCategory: z.string().max(64).optional(),
  EmotionIntensity: z.number().min(50).max(200).optional(),
  SmartActionEnabled: z.boolean().optional(),
  SubtitleType: z.number().int().min(0).max(1).optional(),
});

/** Upstream `Payload` of the client-render channel (spec §6.2). Unknown fields are ignored. */
export const driverFrameSchema = z.object({
  Header: z.record(z.string(), z.unknown()).optional(),
  Payload: z.object({
    ReqId: z.string().min(1).max(128),
    StreamId: z.string().max(128).optional(),
    VirtualmanProjectId: z.string().min(1).max(128),
    InputText: z
      .string()
      .refine((text) => [...text].length <= MAX_INPUT_CHARS, `longer than ${MAX_INPUT_CHARS} characters`),
    DriverType: z.enum(DRIVER_TYPES),
    InputTextType: z.enum(['SSML', 'MARKDOWN']).optional(),
    Seq: z.number().int().min(0).max(1_000_000_000).optional(),
    IsFinal: z.boolean().optional(),
    ChatCommand: z.enum(['CHATTING', 'START_CHAT', 'STOP_CHAT']).optional(),
    SpeechParam: speechParamSchema.optional(),
  }),
});

export type DriverFrame = z.infer<typeof driverFrameSchema>;
export type DriverPayload = DriverFrame['Payload'];

/** `STOP_CHAT` needs only the chat's ReqId (the SDK re-sends the chat's payload with `InputText: ""`). */
export const stopChatSchema = z.object({
  Payload: z.object({ ReqId: z.string().min(1).max(128), ChatCommand: z.literal('STOP_CHAT') }),
});

/**
 * Heartbeat rule: the SDK sends none, but a frame whose `Header.Message` is "ping" (any case), or whose `Payload`
 * is an object with none of `InputText`, `DriverType` and `ChatCommand` (e.g. `{}` or `{"Type":"ping"}`), is a
 * keep-alive and is answered with a "pong frame".
 */
export function isHeartbeat(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const { Header: header, Payload: payload } = json as { Header?: unknown; Payload?: unknown };
  if (typeof header === 'object' && header !== null) {
    const message = (header as { Message?: unknown }).Message;
    if (typeof message === 'string' && message.toLowerCase() === 'ping') return true;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  return !('InputText' in payload) && !('DriverType' in payload) && !('ChatCommand' in payload);
}
