import { z } from 'zod';

/**
 * Request and response Payloads of the session manager (spec §3, §9). Unknown fields are ignored, as real
 * clients send extras (§9.1); known fields are type- and length-checked so no handler sees unvalidated input.
 */

const reqId = z.string().max(128);
export const sessionIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be 1-64 letters, digits, "_" or "-"' });

export const SESSION_STATUS = Object.freeze({ READY: 1, CLOSED: 2, PREPARING: 3, FAILED: 4 });
export type SessionStatus = (typeof SESSION_STATUS)[keyof typeof SESSION_STATUS];

/** Why a session closed, as the Web SDK demo reads `CloseType` (spec §9.2). */
export const CLOSE_TYPE = Object.freeze({
  OWNER: 1,
  IDLE_TIMEOUT: 2,
  DOWNSTREAM_QUIT: 3,
  SERVICE_RESTART: 4,
  TAKEN_OVER: 5,
});
export type CloseType = (typeof CLOSE_TYPE)[keyof typeof CLOSE_TYPE];

export const PROTOCOLS = ['webrtc', 'rtmp', 'trtc'] as const;
export type StreamProtocol = (typeof PROTOCOLS)[number];
/** Protocols dhuman can actually serve; `trtc` needs Tencent's RTC cloud. */
export const SUPPORTED_PROTOCOLS = ['webrtc', 'rtmp'] as const;

export const DRIVER_TYPES = [1, 3] as const;
export type DriverType = (typeof DRIVER_TYPES)[number];

const protocolOptionSchema = z.looseObject({
  TrtcUseExternalApp: z.boolean().optional(),
  TrtcAppId: z.string().max(64).optional(),
  TrtcRoomId: z.int().min(0).max(4294967294).optional(),
  TrtcStrRoomId: z.string().max(64).optional(),
  TrtcAutoGenRoomIdType: z.int().min(0).max(1).optional(),
  TrtcUserSig: z.string().max(4096).optional(),
  TrtcPrivateMapKey: z.string().max(4096).optional(),
  CssCustomPushUrl: z
    .string()
    .max(2048)
    .regex(/^rtmps?:\/\/[^\s/]+\/\S*$/, { error: 'must be an rtmp:// or rtmps:// URL' })
    .optional(),
});

const extraInfoSchema = z.looseObject({
  AlphaChannelEnable: z.boolean().optional(),
});

export const speechParamSchema = z.looseObject({
  TimbreKey: z.string().max(128).optional(),
  Speed: z.number().min(0.5).max(2).optional(),
  Volume: z.number().min(-10).max(10).optional(),
  EmotionCategory: z.string().max(64).optional(),
  EmotionIntensity: z.number().min(50).max(200).optional(),
  TimbreLanguage: z.string().max(32).optional(),
});
export type SpeechParam = z.infer<typeof speechParamSchema>;

const videoLayerSchema = z.looseObject({});

const createCommon = {
  ReqId: reqId.optional(),
  SessionId: sessionIdSchema.optional(),
  UserId: z.string().min(1).max(1024),
  Protocol: z.enum(PROTOCOLS, { error: 'must be one of "webrtc", "rtmp" (lowercase)' }),
  DriverType: z
    .union([z.literal(1), z.literal(3)], { error: 'must be 1 (text) or 3 (text and audio)' })
    .optional(),
  ProtocolOption: protocolOptionSchema.optional(),
  ExtraInfo: extraInfoSchema.optional(),
  StreamMaxInterval: z
    .int({ error: 'must be an integer number of milliseconds' })
    .min(2000)
    .max(6000)
    .optional(),
  /** Undocumented; the Web SDK always sends 180. Stored as an idle timeout in seconds. */
  Timeout: z.int().min(0).max(86400).optional(),
};

export const createSessionRequestSchema = z.looseObject({
  ...createCommon,
  VirtualmanProjectId: z.string().min(1).max(128),
});
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const createSessionByAssetRequestSchema = z.looseObject({
  ...createCommon,
  AssetVirtualmanKey: z.string().min(1).max(128),
  SpeechParam: speechParamSchema.optional(),
  Backgrounds: z.array(videoLayerSchema).max(5).optional(),
  Foregrounds: z.array(videoLayerSchema).max(5).optional(),
  AnchorParam: z.looseObject({}).optional(),
});
export type CreateSessionByAssetRequest = z.infer<typeof createSessionByAssetRequestSchema>;

export const sessionRefRequestSchema = z.looseObject({
  ReqId: reqId.optional(),
  SessionId: sessionIdSchema,
});
export type SessionRefRequest = z.infer<typeof sessionRefRequestSchema>;

export const listOfUinRequestSchema = z.looseObject({ ReqId: reqId.optional() });

export const listOfProjectRequestSchema = z.looseObject({
  ReqId: reqId.optional(),
  VirtualmanProjectId: z.string().min(1).max(128),
});

/** `listsessionofassetvk` (docs) and `listsessionofvk` (Web SDK) both take either key name. */
export const listOfAssetRequestSchema = z
  .looseObject({
    ReqId: reqId.optional(),
    AssetVirtualmanKey: z.string().min(1).max(128).optional(),
    VirtualmanKey: z.string().min(1).max(128).optional(),
  })
  .refine((p) => p.AssetVirtualmanKey !== undefined || p.VirtualmanKey !== undefined, {
    error: 'AssetVirtualmanKey or VirtualmanKey is required',
    path: ['AssetVirtualmanKey'],
  });

export const describeActionConfigRequestSchema = z.looseObject({
  ReqId: reqId.optional(),
  VirtualmanKey: z.string().max(128).optional(),
  Type: z.string().max(64).optional(),
  Reply: z.string().max(4000).optional(),
});

export interface CreateSessionResponse {
  ReqId: string;
  SessionId: string;
  SessionStatus: SessionStatus;
  PlayStreamAddr: string;
}

export interface StatSessionResponse {
  ReqId: string;
  SessionId: string;
  UserId: string;
  SessionStatus: SessionStatus;
  IsSessionStarted: boolean;
  PlayStreamAddr: string;
  SpeakStatus: string;
  DriverType: DriverType;
  Protocol: StreamProtocol;
  ErrorCode: number;
  ErrorMessage: string;
  /** Present once the session is closed (status 2). */
  CloseType?: CloseType;
}

export interface SessionListItem {
  UserId: string;
  SessionId: string;
  SessionStatus: SessionStatus;
  PlayStreamAddr: string;
  DriverType: DriverType;
  IsSessionStarted: boolean;
  VirtualmanProjectId: string;
  AssetVirtualmanKey: string;
}

export interface ListSessionsResponse {
  ReqId: string;
  Sessions: SessionListItem[];
}

export interface ReqIdResponse {
  ReqId: string;
}

export interface DescribeActionConfigResponse {
  ReqId: string;
  /** `""`, or the JSON text of `{contents: <the JSON text of InteractContents>}`. */
  InteractContent: string;
}

/**
 * The project's scripted interaction, under the key names Tencent's Web SDK demo pages read (spec §9.2): the
 * opening line (`开场白`), which the demo speaks once the session's channel is open, and the marquee: its title and
 * the suggestions it scrolls (`跑马灯`; a clicked one is sent as a question), and the typed phrases that bring
 * it back with its title spoken (`跑马灯话术`).
 */
export interface InteractContents {
  开场白?: string;
  跑马灯?: { title: string; content: string[] };
  跑马灯话术?: string[];
}
