import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseIceServers, type IceServer } from './stream/ice-servers.js';

/** The built demo page: apps/web/dist of the repository this server package sits in (src/ and dist/ alike). */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

/**
 * Server configuration. Precedence: an explicit flag, then the environment variable, then the default
 * (architecture.md). Every value is validated here, once, with a message naming the variable to fix.
 */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Base URL clients reach this server at; derived from host and port when unset. */
  publicUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Allowed |now - timestamp| in seconds for signed requests (spec §1.2: 5 minutes). */
  signatureWindowSec: number;
  /** Live sessions one appkey may hold unless its credential sets its own limit. */
  maxSessionsPerAppkey: number;
  /** A session without drive, heartbeat or start for this long is closed (spec §3.7: 10 minutes). */
  sessionIdleTimeoutMs: number;
  /** Preparation (status 3) longer than this fails the session with -111004. */
  prepareTimeoutMs: number;
  /** A command channel with no upstream frame for this long is closed (spec §3.7: 3 minutes). */
  channelIdleMs: number;
  /** Minimum time between two HTTP drive commands of one appkey (spec §4.2: more than 1 s). */
  httpCommandIntervalMs: number;
  /** espeak-ng worker threads (TTS runs off the event loop). */
  ttsWorkers: number;
  /** Origins allowed by CORS on IVH paths; `*` allows any (auth is in the signed query, not cookies). */
  corsOrigins: '*' | string[];
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Credential ensured at start (DHUMAN_APPKEY + DHUMAN_ACCESSTOKEN). */
  credential: { appkey: string; accesstoken: string } | undefined;
  /** The built demo page and player SDK served at `/` and `/dhuman/sdk/`. */
  webDir: string;
  /** Whether `POST /dhuman/dev/token` issues temporary credentials to loopback callers. */
  devTokens: boolean;
  /** How long a temporary credential from `/dhuman/dev/token` stays valid. */
  devTokenTtlMs: number;
  /** Server-rendered live streams (WebRTC, HLS, RTMP). */
  stream: StreamConfig;
  /** Defaults for projects whose dialogue engine is `llm` (each project may override them). */
  llm: LlmConfig;
  /** Speech recognition of the voice channel. */
  asr: AsrConfig;
  /** Offline video generation (the videomaker API). */
  video: VideoConfig;
}

export interface VideoConfig {
  /** Tasks rendered at once; each keeps about one core busy (drawing) and part of another (encoding). */
  workers: number;
  /** Finished tasks and their files are deleted this long after they end (IVH keeps them 7 days). */
  retentionMs: number;
  /** Unfinished (queued or rendering) tasks one appkey may have; more get 100008. */
  maxTasksPerAppkey: number;
  /** Unfinished tasks of all appkeys together: the bound of the queue. */
  maxQueuedTasks: number;
  /** Credentials for `VideoStorageS3Url` values of the form `s3://bucket/prefix`; pre-signed URLs need none. */
  s3:
    | { endpoint: string | undefined; region: string; accessKeyId: string; secretAccessKey: string }
    | undefined;
}

export interface LlmConfig {
  /** OpenAI-compatible API base, e.g. `http://127.0.0.1:11434/v1`. */
  url: string | undefined;
  model: string | undefined;
  /** Never logged; shown as "(set)". */
  apiKey: string | undefined;
  systemPrompt: string | undefined;
  /** Longest wait for the first token and between tokens. */
  timeoutMs: number;
}

export interface AsrConfig {
  /** `pocketsphinx` (embedded, English), `openai` (an OpenAI-compatible transcription endpoint) or `off`. */
  engine: 'pocketsphinx' | 'openai' | 'off';
  url: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
  /** The visitor's language, e.g. en-US. */
  language: string;
  /** Voice channels open at once (each runs a recogniser: pocketsphinx needs about 150 MB and a third of a core). */
  maxChannels: number;
}

export interface StreamConfig {
  /**
   * How many 512×512 25 fps streams this machine holds at full frame rate; a bigger or faster stream counts
   * as more (pixels × fps). Past it, createsession and new viewers get 100008.
   */
  capacity: number;
  /** A WebRTC session's stream keeps running this long after its last viewer left (a reload rejoins it). */
  lingerMs: number;
  /** STUN/TURN servers for WebRTC viewers, also advertised to WHEP clients. */
  iceServers: IceServer[];
  /** UDP ports WebRTC may use (to open in a firewall); undefined = any. */
  icePortRange: [number, number] | undefined;
  /** rtmp sessions without CssCustomPushUrl push to this URL + SessionId; undefined = the embedded server. */
  rtmpUrl: string | undefined;
  /** Port of the embedded RTMP server; undefined = off. */
  rtmpPort: number | undefined;
}

/**
 * Measured in docs/benchmarks.md ("stream"): a 2-core machine carried two speaking 512² streams (and one 720p)
 * with no frame repeated, and repeated 0.5 % of frames at three. 1.25 units per core admits exactly those.
 */
export const STREAMS_PER_CORE = 1.25;

export type ConfigFlags = Partial<{
  host: string;
  port: string | number;
  dataDir: string;
  tlsCert: string;
  tlsKey: string;
  logLevel: string;
}>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const credentialPart = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'use 8-128 letters, digits, "_" or "-"' });

const schema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: intIn(0, 65535).default(8080),
  dataDir: z.string().min(1).default('./data'),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  signatureWindowSec: intIn(1, 86400).default(300),
  maxSessionsPerAppkey: intIn(1, 100000).default(20),
  sessionIdleSec: intIn(10, 7 * 86400).default(600),
  prepareTimeoutSec: intIn(1, 600).default(30),
  channelIdleSec: intIn(5, 86400).default(180),
  httpCommandIntervalMs: intIn(0, 60_000).default(1000),
  ttsWorkers: intIn(1, 64).default(2),
  corsOrigins: z.string().default('*'),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  appkey: credentialPart.optional(),
  accesstoken: credentialPart.optional(),
  webDir: z.string().min(1).optional(),
  devTokens: z.enum(['0', '1'], { error: 'use 1 (on) or 0 (off)' }).default('1'),
  devTokenTtlSec: intIn(1, 86400).default(3600),
  streamCapacity: z.coerce.number().min(0).max(10_000).optional(),
  streamLingerSec: intIn(0, 3600).default(15),
  iceServers: z.string().max(8192).default(''),
  icePortRange: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, { error: 'use MIN-MAX, e.g. 40000-40199' })
    .optional(),
  rtmpUrl: z
    .string()
    .max(1024)
    .regex(/^rtmps?:\/\/[^\s/|'\\?#]+\/[^\s|'\\?#]*$/, {
      error: 'must be an rtmp:// or rtmps:// URL prefix without a query (the SessionId is appended)',
    })
    .optional(),
  rtmpPort: z.union([z.literal('off'), intIn(0, 65535)]).default(1935),
  llmUrl: z.url({ protocol: /^https?$/ }).optional(),
  llmModel: z.string().min(1).max(256).optional(),
  llmKey: z.string().min(1).max(512).optional(),
  llmSystemPrompt: z.string().max(8000).optional(),
  llmTimeoutSec: intIn(1, 600).default(30),
  asr: z.enum(['pocketsphinx', 'openai', 'off']).default('pocketsphinx'),
  asrUrl: z.url({ protocol: /^https?$/ }).optional(),
  asrModel: z.string().min(1).max(256).optional(),
  asrKey: z.string().min(1).max(512).optional(),
  asrLanguage: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: 'use a BCP 47 tag such as en-US' })
    .default('en-US'),
  voiceChannels: intIn(0, 10_000).optional(),
  videoWorkers: intIn(1, 256).optional(),
  videoRetentionDays: z.coerce.number().min(0.001).max(3650).default(7),
  videoMaxTasks: intIn(1, 100_000).default(10),
  videoMaxQueued: intIn(1, 1_000_000).default(1000),
  s3Endpoint: z.url({ protocol: /^https?$/ }).optional(),
  s3Region: z.string().min(1).max(64).default('us-east-1'),
  s3AccessKeyId: z.string().min(1).max(256).optional(),
  s3SecretAccessKey: z.string().min(1).max(256).optional(),
});

/** Where each field comes from in the environment, for reading and for error messages. */
const ENV_NAMES: Record<keyof z.input<typeof schema>, string> = {
  host: 'DHUMAN_HOST',
  port: 'DHUMAN_PORT',
  dataDir: 'DHUMAN_DATA_DIR',
  publicUrl: 'DHUMAN_PUBLIC_URL',
  logLevel: 'DHUMAN_LOG_LEVEL',
  signatureWindowSec: 'DHUMAN_SIGNATURE_WINDOW_SEC',
  maxSessionsPerAppkey: 'DHUMAN_MAX_SESSIONS',
  sessionIdleSec: 'DHUMAN_SESSION_IDLE_SEC',
  prepareTimeoutSec: 'DHUMAN_PREPARE_TIMEOUT_SEC',
  channelIdleSec: 'DHUMAN_CHANNEL_IDLE_SEC',
  httpCommandIntervalMs: 'DHUMAN_HTTP_COMMAND_INTERVAL_MS',
  ttsWorkers: 'DHUMAN_TTS_WORKERS',
  corsOrigins: 'DHUMAN_CORS_ORIGINS',
  tlsCert: 'DHUMAN_TLS_CERT',
  tlsKey: 'DHUMAN_TLS_KEY',
  appkey: 'DHUMAN_APPKEY',
  accesstoken: 'DHUMAN_ACCESSTOKEN',
  webDir: 'DHUMAN_WEB_DIR',
  devTokens: 'DHUMAN_DEV_TOKENS',
  devTokenTtlSec: 'DHUMAN_DEV_TOKEN_TTL_SEC',
  streamCapacity: 'DHUMAN_STREAM_CAPACITY',
  streamLingerSec: 'DHUMAN_STREAM_LINGER_SEC',
  iceServers: 'DHUMAN_ICE_SERVERS',
  icePortRange: 'DHUMAN_ICE_PORT_RANGE',
  rtmpUrl: 'DHUMAN_RTMP_URL',
  rtmpPort: 'DHUMAN_RTMP_PORT',
  llmUrl: 'DHUMAN_LLM_URL',
  llmModel: 'DHUMAN_LLM_MODEL',
  llmKey: 'DHUMAN_LLM_KEY',
  llmSystemPrompt: 'DHUMAN_LLM_SYSTEM_PROMPT',
  llmTimeoutSec: 'DHUMAN_LLM_TIMEOUT_SEC',
  asr: 'DHUMAN_ASR',
  asrUrl: 'DHUMAN_ASR_URL',
  asrModel: 'DHUMAN_ASR_MODEL',
  asrKey: 'DHUMAN_ASR_KEY',
  asrLanguage: 'DHUMAN_ASR_LANGUAGE',
  voiceChannels: 'DHUMAN_VOICE_CHANNELS',
  videoWorkers: 'DHUMAN_VIDEO_WORKERS',
  videoRetentionDays: 'DHUMAN_VIDEO_RETENTION_DAYS',
  videoMaxTasks: 'DHUMAN_VIDEO_MAX_TASKS',
  videoMaxQueued: 'DHUMAN_VIDEO_MAX_QUEUED',
  s3Endpoint: 'DHUMAN_S3_ENDPOINT',
  s3Region: 'DHUMAN_S3_REGION',
  s3AccessKeyId: 'DHUMAN_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'DHUMAN_S3_SECRET_ACCESS_KEY',
};

const FLAG_NAMES: Partial<Record<keyof typeof ENV_NAMES, string>> = {
  host: '--host',
  port: '--port',
  dataDir: '--data-dir',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  logLevel: '--log-level',
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): ServerConfig {
  const raw: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(ENV_NAMES)) {
    const fromFlag = (flags as Record<string, unknown>)[field];
    const fromEnv = env[name];
    const value = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (value !== undefined) raw[field] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '') as keyof typeof ENV_NAMES;
    const where = [FLAG_NAMES[field], ENV_NAMES[field]].filter(Boolean).join(' or ');
    throw new ConfigError(`invalid ${where}: ${issue?.message ?? 'invalid value'}`);
  }
  const c = parsed.data;
  if ((c.appkey === undefined) !== (c.accesstoken === undefined)) {
    throw new ConfigError('DHUMAN_APPKEY and DHUMAN_ACCESSTOKEN must be set together');
  }
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) {
    throw new ConfigError(
      '--tls-cert and --tls-key (DHUMAN_TLS_CERT, DHUMAN_TLS_KEY) must be given together',
    );
  }
  const origins = c.corsOrigins.trim();
  let iceServers: IceServer[];
  try {
    iceServers = parseIceServers(c.iceServers);
  } catch (error) {
    throw new ConfigError(`invalid DHUMAN_ICE_SERVERS: ${(error as Error).message}`);
  }
  if (c.asr === 'openai' && (c.asrUrl === undefined || c.asrModel === undefined)) {
    throw new ConfigError('DHUMAN_ASR=openai needs DHUMAN_ASR_URL and DHUMAN_ASR_MODEL');
  }
  if ((c.s3AccessKeyId === undefined) !== (c.s3SecretAccessKey === undefined)) {
    throw new ConfigError('DHUMAN_S3_ACCESS_KEY_ID and DHUMAN_S3_SECRET_ACCESS_KEY must be set together');
  }
  const portRange = c.icePortRange?.split('-').map(Number) as [number, number] | undefined;
  if (portRange && !(portRange[0] >= 1024 && portRange[0] < portRange[1] && portRange[1] <= 65535)) {
    throw new ConfigError('invalid DHUMAN_ICE_PORT_RANGE: use MIN-MAX with 1024 <= MIN < MAX <= 65535');
  }
  return {
    host: c.host,
    port: c.port,
    dataDir: resolve(c.dataDir),
    publicUrl: c.publicUrl?.replace(/\/+$/, ''),
    logLevel: c.logLevel,
    signatureWindowSec: c.signatureWindowSec,
    maxSessionsPerAppkey: c.maxSessionsPerAppkey,
    sessionIdleTimeoutMs: c.sessionIdleSec * 1000,
    prepareTimeoutMs: c.prepareTimeoutSec * 1000,
    channelIdleMs: c.channelIdleSec * 1000,
    httpCommandIntervalMs: c.httpCommandIntervalMs,
    ttsWorkers: c.ttsWorkers,
    corsOrigins:
      origins === '*'
        ? '*'
        : origins
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
    tlsCert: c.tlsCert,
    tlsKey: c.tlsKey,
    credential: c.appkey && c.accesstoken ? { appkey: c.appkey, accesstoken: c.accesstoken } : undefined,
    webDir: c.webDir === undefined ? DEFAULT_WEB_DIR : resolve(c.webDir),
    devTokens: c.devTokens === '1',
    devTokenTtlMs: c.devTokenTtlSec * 1000,
    stream: {
      capacity: c.streamCapacity ?? Math.max(1, availableParallelism() * STREAMS_PER_CORE),
      lingerMs: c.streamLingerSec * 1000,
      iceServers,
      icePortRange: portRange,
      rtmpUrl: c.rtmpUrl,
      rtmpPort: c.rtmpPort === 'off' ? undefined : c.rtmpPort,
    },
    llm: {
      url: c.llmUrl,
      model: c.llmModel,
      apiKey: c.llmKey,
      systemPrompt: c.llmSystemPrompt,
      timeoutMs: c.llmTimeoutSec * 1000,
    },
    asr: {
      engine: c.asr,
      url: c.asrUrl,
      model: c.asrModel,
      apiKey: c.asrKey,
      language: c.asrLanguage,
      maxChannels: c.voiceChannels ?? Math.max(2, availableParallelism() * 2),
    },
    video: {
      workers: c.videoWorkers ?? Math.max(1, availableParallelism() - 1),
      retentionMs: Math.round(c.videoRetentionDays * 86_400_000),
      maxTasksPerAppkey: c.videoMaxTasks,
      maxQueuedTasks: c.videoMaxQueued,
      s3:
        c.s3AccessKeyId && c.s3SecretAccessKey
          ? {
              endpoint: c.s3Endpoint,
              region: c.s3Region,
              accessKeyId: c.s3AccessKeyId,
              secretAccessKey: c.s3SecretAccessKey,
            }
          : undefined,
    },
  };
}
