/**
 * @dhuman/client: the typed SDK for dhuman's IVH-compatible API, for Node 20+ and browsers alike (global
 * `fetch`, WebCrypto signing, no Node built-ins).
 */
export { DhumanClient } from './client.js';
export { TransportError, WaitTimeoutError } from './errors.js';
export { newReqId } from './req-id.js';
export type { Language } from './transport.js';
export type {
  CreateSessionByAssetInput,
  CreateSessionInput,
  DhumanClientOptions,
  WaitUntilReadyOptions,
} from './types.js';

// The parts of the wire contract an SDK user handles directly, so they need not depend on the protocol package.
export {
  CLOSE_TYPE,
  CONFIG_PATHS,
  CONTENT_TYPE,
  DRIVE_PATHS,
  ERRORS,
  EVENT_TYPE,
  IvhError,
  SESSION_PATHS,
  SESSION_STATUS,
  SPEAK_STATUS,
  VOICE_ACTIVITY,
  errorByCode,
  sign,
  signedQuery,
} from '@dhuman/protocol';
export type {
  CloseType,
  CreateSessionResponse,
  DescribeActionConfigResponse,
  DriveEventPayload,
  DriverType,
  ErrorEntry,
  ErrorName,
  ListSessionsResponse,
  ReqIdResponse,
  ResponseEnvelope,
  ResponseHeader,
  SessionListItem,
  SessionStatus,
  SignedQueryOptions,
  SpeakStatus,
  SpeechParam,
  StatSessionResponse,
  StreamProtocol,
  VoiceActivity,
} from '@dhuman/protocol';
export * from './channel/index.js';

// The browser avatar player (client-render channel); bundled alone for pages by scripts/build-web.mjs.
export * from './player/index.js';

// Watching a session's server-rendered stream over WHEP; bundled alone for pages by scripts/build-web.mjs.
export * from './stream/index.js';

// Voice conversation (dhuman extension): the microphone in a browser and a session's voice channel.
export * from './voice/index.js';
