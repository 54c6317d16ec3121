import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { DialogueEngine, SessionManager, TtsProvider } from '@dhuman/core';
import { describeIssue, ERRORS, IvhError } from '@dhuman/protocol';
import {
  AudioVisemeEstimator,
  parseSpeechInput,
  renderSpeech,
  SentenceSplitter,
  type SpeechPlan,
} from '@dhuman/speech';
import type { VerifiedCaller } from '../auth/signature-verifier.js';
import {
  driverFrameSchema,
  isHeartbeat,
  STOP_SEQ,
  stopChatSchema,
  type DriverPayload,
} from '../driver-engine/frame-schema.js';
import { stripMarkdown } from '../driver-engine/markdown.js';
import { SpeechWriter, type SpeechFrameSink } from '../driver-engine/speech-writer.js';
import { asDialogueError, UNAVAILABLE_ANSWER } from '../dialogue/conversation.js';
import { ConversationMemory } from '../dialogue/conversation-memory.js';
import { clauseOf } from '../dialogue/reply-text.js';
import { CLOSE_CODES } from './command-channel.js';
import { TokenBucket } from './token-bucket.js';
import { rawToString, reqIdOf } from './frame-text.js';

export interface DriverEngineOptions {
  manager: SessionManager;
  tts: TtsProvider;
  log: FastifyBaseLogger;
  /** Frames larger than this get an error frame (the socket stays open up to the hard limit). */
  maxFrameBytes?: number;
  /** Upstream frames per second and burst per socket before 100012. */
  ratePerSecond?: number;
  burst?: number;
  /** ReqIds one socket may have rendering (or streams open) at once before 100012. */
  maxConcurrent?: number;
  /** A stream with no fragment for this long is ended as if `IsFinal` had come. */
  streamIdleMs?: number;
  /** The dialogue engine of a project, when it has one: CHAT questions are then answered by it. */
  dialogueFor?: (projectId: string) => (() => Promise<DialogueEngine>) | undefined;
}

const HARD_FRAME_LIMIT = 4 * 1024 * 1024;
/** Rendering waits while this much is queued on the socket: the client paces playback, not the server. */
const HIGH_WATER_BYTES = 1024 * 1024;

interface Job {
  reqId: string;
  controller: AbortController;
  stream?: StreamState;
}

interface StreamState {
  splitter: SentenceSplitter;
  lastSeq: number;
  ended: boolean;
  /** Sentences render one after another on this chain. */
  chain: Promise<void>;
  writer: SpeechWriter;
  voice: Voice;
  idle: NodeJS.Timeout | undefined;
}

interface Voice {
  voice: string;
  speed: number;
  volume: number;
}

/**
 * The client-render channel `driverengine` (spec §6.2, §9.4): the browser draws the avatar, the server turns text
 * into audio plus blend-shape frames. No session: every socket is a conversation for the caller's appkey, and
 * each frame names its project. Each ReqId is one utterance whose `SPEECH` frames are sent as fast as they are
 * rendered (the client buffers and paces playback); the last frame of a ReqId has `Final: true`. Bad frames get
 * an error frame and the socket stays usable; closing the socket aborts all rendering.
 */
export class DriverEngine {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });
  private readonly open = new Set<WebSocket>();
  private readonly estimator = new AudioVisemeEstimator();

  constructor(private readonly opts: DriverEngineOptions) {}

  get openSockets(): number {
    return this.open.size;
  }

  readonly handleUpgrade = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    caller: VerifiedCaller,
  ): void => {
    const requestId = (caller.query.get('requestid') ?? '').slice(0, 128);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.open.add(ws);
      const connection = new DriverConnection(ws, caller.appkey, requestId, this.opts, this.estimator);
      ws.on('close', (code) => {
        this.open.delete(ws);
        connection.abortAll();
        this.opts.log.info({ requestId, code }, 'driverengine socket closed');
      });
      ws.on('error', (error) => this.opts.log.warn({ requestId, err: error }, 'driverengine socket error'));
    });
  };

  /** Closes every socket (server shutdown); their rendering stops. */
  close(): void {
    for (const ws of this.open) ws.close(CLOSE_CODES.SHUTDOWN, 'server shutting down');
    this.open.clear();
    this.wss.close();
  }
}

/** One socket: its running ReqIds and the frames it sends. */
class DriverConnection implements SpeechFrameSink {
  private readonly jobs = new Map<string, Job>();
  /** CHAT conversations of this socket, by `StreamId` ('' without one). */
  private readonly memory = new ConversationMemory();
  private readonly bucket: TokenBucket;

  constructor(
    private readonly ws: WebSocket,
    private readonly appkey: string,
    private readonly requestId: string,
    private readonly opts: DriverEngineOptions,
    private readonly estimator: AudioVisemeEstimator,
  ) {
    this.bucket = new TokenBucket(opts.ratePerSecond ?? 50, opts.burst ?? 100);
    ws.on('message', (data, isBinary) => {
      if (!this.bucket.take()) {
        const rate = this.opts.ratePerSecond ?? 50;
        this.sendError('', new IvhError(ERRORS.TOO_FREQUENT, `more than ${rate} frames per second`));
        return;
      }
      try {
        this.onFrame(data, isBinary);
      } catch (error) {
        this.fail('', error);
      }
    });
  }

  abortAll(): void {
    for (const job of this.jobs.values()) this.endJob(job);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.sendError('', invalid('binary frames are not accepted; send JSON text frames'));
      return;
    }
    const text = rawToString(data);
    const limit = this.opts.maxFrameBytes ?? 256 * 1024;
    if (Buffer.byteLength(text) > limit) {
      this.sendError('', invalid(`frame is larger than ${limit} bytes`));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.sendError('', invalid('frame is not valid JSON'));
      return;
    }
    if (isHeartbeat(json)) {
      this.sendJson({
        Header: { Code: 0, Message: 'pong frame', RequestID: this.requestId },
        Payload: { ErrorCode: 0 },
      });
      return;
    }
    const reqId = reqIdOf(json);
    const stop = stopChatSchema.safeParse(json);
    if (stop.success) {
      // Stops whatever the ReqId is doing; a ReqId that already finished (or never ran) is no error.
      const job = this.jobs.get(stop.data.Payload.ReqId);
      if (job) this.endJob(job);
      return;
    }
    const parsed = driverFrameSchema.safeParse(json);
    if (!parsed.success) {
      this.sendError(reqId, invalid(describeIssue(parsed.error, 'frame')));
      return;
    }
    try {
      this.run(parsed.data.Payload);
    } catch (error) {
      this.fail(reqId, error);
    }
  }

  private run(payload: DriverPayload): void {
    if (payload.DriverType === 'STREAM_TEXT') {
      this.streamFragment(payload);
      return;
    }
    if (payload.InputText.trim() === '') {
      throw invalid(`Payload.InputText is empty (DriverType ${payload.DriverType})`);
    }
    const voice = this.voiceFor(payload);
    const dialogue =
      payload.DriverType === 'CHAT' ? this.opts.dialogueFor?.(payload.VirtualmanProjectId) : undefined;
    if (dialogue) {
      this.chat(payload, voice, dialogue);
      return;
    }
    let plan: SpeechPlan;
    if (payload.DriverType === 'TEXT' && payload.InputTextType === 'SSML') {
      // Parsed before anything is sent, so malformed SSML is one error frame (100001 with the position).
      plan = parseSpeechInput(payload.InputText);
    } else {
      // CHAT to a project without a dialogue engine: the question itself is spoken verbatim (as plain text)
      // and echoed as the reply. MARKDOWN text (the default type) is spoken without its markdown syntax.
      const spoken = payload.DriverType === 'TEXT' ? stripMarkdown(payload.InputText) : payload.InputText;
      plan = plainPlan(spoken);
    }
    const job = this.begin(payload.ReqId);
    const writer = new SpeechWriter(this, payload.ReqId, job.controller.signal);
    if (payload.DriverType === 'CHAT') this.sendFrame(payload.ReqId, replyFrame(payload.InputText, 1));
    void (async () => {
      try {
        // A TEXT or CHAT request is one sentence (SeqNo 1): the renderer does not report sentence boundaries.
        writer.beginSentence();
        await this.render(plan, voice, writer, job.controller.signal);
        if (!job.controller.signal.aborted) await writer.finish();
      } catch (error) {
        if (!job.controller.signal.aborted) this.fail(payload.ReqId, error);
      } finally {
        if (this.jobs.get(payload.ReqId) === job) this.jobs.delete(payload.ReqId);
      }
    })();
  }

  /**
   * A CHAT question to a project with a dialogue engine: the answer is cut into sentences as it streams in, each
   * sentence is a REPLY frame (SeqNo n) followed by its SPEECH frames, as the vendor's cloud bot answers. A
   * failure is an error frame, then the engine's fallback is spoken. STOP_CHAT ends it (and the model request).
   */
  private chat(payload: DriverPayload, voice: Voice, load: () => Promise<DialogueEngine>): void {
    const { ReqId: reqId, InputText: question } = payload;
    const round = payload.StreamId ?? '';
    const job = this.begin(reqId);
    const { signal } = job.controller;
    const state: StreamState = {
      splitter: new SentenceSplitter(),
      lastSeq: 0,
      ended: false,
      chain: Promise.resolve(),
      writer: new SpeechWriter(this, reqId, signal),
      voice,
      idle: undefined,
    };
    const said: string[] = [];
    const say = (sentence: string) => {
      const clause = clauseOf(sentence);
      if (!clause.spoken || signal.aborted) return;
      said.push(clause.display);
      this.sendFrame(reqId, replyFrame(clause.display, said.length));
      this.queueSentence(job, state, clause.spoken);
    };
    void (async () => {
      let fallback = UNAVAILABLE_ANSWER;
      try {
        const engine = await load();
        fallback = engine.fallbackAnswer;
        const history = this.memory.history(round);
        for await (const chunk of engine.reply({ question, history, signal })) {
          if (signal.aborted) break;
          if (chunk.kind === 'text') state.splitter.push(chunk.text).forEach(say);
          else if (chunk.kind === 'ssml') {
            state.splitter.flush().forEach(say);
            say(chunk.ssml);
          }
          // Reasoning has no frame on this channel: it is not spoken and not shown.
        }
      } catch (error) {
        if (!signal.aborted) {
          this.sendError(reqId, asDialogueError('dialogue', error));
          state.splitter.flush().forEach(say);
          say(fallback);
        }
      }
      if (!signal.aborted) state.splitter.flush().forEach(say);
      if (said.length > 0) this.memory.record(round, { question, answer: said.join(' ') });
      this.endStream(job, state);
    })();
  }

  private streamFragment(payload: DriverPayload): void {
    const { ReqId: reqId, Seq: seq, IsFinal: isFinal = false } = payload;
    if (payload.InputTextType === 'SSML') {
      throw invalid('Payload.InputTextType SSML cannot be streamed; use MARKDOWN with STREAM_TEXT');
    }
    if (seq === undefined || seq < 1) {
      throw invalid('Payload.Seq of a STREAM_TEXT fragment must be an integer from 1');
    }
    const job = this.jobs.get(reqId);
    const stream = job?.stream;
    if (job && !stream) throw invalid(`Payload.ReqId "${reqId}" is already speaking a TEXT/CHAT request`);
    // The SDK's stop: a final "end" whose Seq jumps to 9999. Interrupts the stream; "end" is not spoken.
    if (
      isFinal &&
      seq === STOP_SEQ &&
      payload.InputText.trim() === 'end' &&
      stream?.lastSeq !== STOP_SEQ - 1
    ) {
      if (job) this.endJob(job);
      return;
    }
    if (job && stream) {
      if (stream.ended) throw invalid(`stream "${reqId}" already ended (IsFinal); use a new ReqId`);
      if (seq <= stream.lastSeq) {
        throw invalid(`Payload.Seq ${seq} does not follow ${stream.lastSeq} in stream "${reqId}"`);
      }
      this.pushFragment(job, stream, payload.InputText, seq, isFinal);
      return;
    }
    const voice = this.voiceFor(payload);
    const created = this.begin(reqId);
    const state: StreamState = {
      splitter: new SentenceSplitter(),
      lastSeq: 0,
      ended: false,
      chain: Promise.resolve(),
      writer: new SpeechWriter(this, reqId, created.controller.signal),
      voice,
      idle: undefined,
    };
    created.stream = state;
    this.pushFragment(created, state, payload.InputText, seq, isFinal);
  }

  private pushFragment(job: Job, stream: StreamState, text: string, seq: number, isFinal: boolean): void {
    stream.lastSeq = seq;
    clearTimeout(stream.idle);
    const sentences = stream.splitter.push(text);
    for (const sentence of sentences) this.queueSentence(job, stream, sentence);
    if (isFinal) {
      this.endStream(job, stream);
      return;
    }
    stream.idle = setTimeout(() => this.endStream(job, stream), this.opts.streamIdleMs ?? 60_000);
    stream.idle.unref();
  }

  private endStream(job: Job, stream: StreamState): void {
    if (stream.ended) return;
    stream.ended = true;
    clearTimeout(stream.idle);
    for (const sentence of stream.splitter.flush()) this.queueSentence(job, stream, sentence);
    const { signal } = job.controller;
    stream.chain = stream.chain.then(async () => {
      if (!signal.aborted) await stream.writer.finish();
      if (this.jobs.get(job.reqId) === job) this.jobs.delete(job.reqId);
    });
  }

  private queueSentence(job: Job, stream: StreamState, sentence: string): void {
    const { signal } = job.controller;
    stream.chain = stream.chain.then(async () => {
      if (signal.aborted) return;
      try {
        const plan = parseSpeechInput(stripMarkdown(sentence));
        // Each sentence of a stream is one SeqNo; its last frame has ThFeatFinal.
        stream.writer.beginSentence();
        await this.render(plan, stream.voice, stream.writer, signal);
        stream.writer.endSentence();
      } catch (error) {
        if (signal.aborted) return;
        this.fail(job.reqId, error);
        this.endJob(job);
      }
    });
  }

  private async render(
    plan: SpeechPlan,
    voice: Voice,
    writer: SpeechWriter,
    signal: AbortSignal,
  ): Promise<void> {
    const base = writer.positionMs;
    const segments = renderSpeech(plan, { tts: this.opts.tts, ...voice, estimator: this.estimator, signal });
    for await (const segment of segments) {
      if (signal.aborted) return;
      await writer.push(segment, base);
    }
  }

  /** Registers a new ReqId, within the per-socket limit. */
  private begin(reqId: string): Job {
    if (this.jobs.has(reqId))
      throw invalid(`Payload.ReqId "${reqId}" is still being spoken; use a new ReqId`);
    const limit = this.opts.maxConcurrent ?? 8;
    if (this.jobs.size >= limit) {
      throw new IvhError(ERRORS.TOO_FREQUENT, `more than ${limit} requests in progress on this socket`);
    }
    const job: Job = { reqId, controller: new AbortController() };
    this.jobs.set(reqId, job);
    return job;
  }

  /** Stops a ReqId: nothing more is sent for it. */
  private endJob(job: Job): void {
    job.controller.abort();
    if (job.stream) clearTimeout(job.stream.idle);
    if (this.jobs.get(job.reqId) === job) this.jobs.delete(job.reqId);
  }

  /** The project's voice (or `SpeechParam.TimbreKey`), which the TTS engine must have. */
  private voiceFor(payload: DriverPayload): Voice {
    const project = this.opts.manager.visibleProject(this.appkey, payload.VirtualmanProjectId);
    const voice = payload.SpeechParam?.TimbreKey || project.voice;
    const voices = this.opts.tts.voices();
    if (!voices.some((v) => v.key === voice)) {
      throw invalid(
        `voice "${voice.slice(0, 128)}" is not available (known: ${voices.map((v) => v.key).join(', ')})`,
      );
    }
    return { voice, speed: payload.SpeechParam?.Speed ?? 1, volume: payload.SpeechParam?.Volume ?? 0 };
  }

  private fail(reqId: string, error: unknown): void {
    if (error instanceof IvhError) {
      this.sendError(reqId, error);
      return;
    }
    this.opts.log.error({ requestId: this.requestId, err: error }, 'driverengine request failed');
    this.sendError(reqId, new IvhError(ERRORS.DRIVE_FAILED, 'speech rendering failed'));
  }

  sendError(reqId: string, error: IvhError): void {
    this.sendJson({
      Header: { Code: error.code, Message: error.message, RequestID: this.requestId },
      Payload: { ErrorCode: error.code, ErrorMessage: error.message, ReqId: reqId },
    });
  }

  sendFrame(reqId: string, body: Record<string, unknown>): void {
    this.sendJson({
      Header: { Code: 0, Message: '', RequestID: this.requestId },
      Payload: { ErrorCode: 0, ErrorMessage: '', ReqId: reqId, ...body },
    });
  }

  /** Resolves once the socket has room (or is gone, or the request aborted). */
  async drained(signal: AbortSignal): Promise<void> {
    while (
      this.ws.readyState === this.ws.OPEN &&
      this.ws.bufferedAmount > HIGH_WATER_BYTES &&
      !signal.aborted
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private sendJson(frame: object): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(frame));
  }
}

/**
 * The `REPLY` frame of a CHAT: the text to be spoken, as one sentence (`SeqNo` 1, matching the SPEECH frames).
 * Tencent's demo page reads `InteractionType` (rich items such as "Image"; anything else is text),
 * `JSON.parse`s a non-empty `CloudAiExtra` (looking for `references`), and highlights the reply of the
 * sentence being spoken when `IsHighLight` is true.
 */
function replyFrame(text: string, seqNo: number): Record<string, unknown> {
  return {
    DriverRspType: 'REPLY',
    ReplyRsp: {
      ReplyType: 'text',
      ReplyDisplay: text,
      SeqNo: seqNo,
      ContentType: 1,
      IsHighLight: true,
      InteractionType: '',
      InteractionContent: '',
      CloudAiExtra: '{}',
    },
  };
}

function plainPlan(text: string): SpeechPlan {
  return { items: text.trim() ? [{ kind: 'speak', text, sourceOffset: 0 }] : [] };
}

function invalid(detail: string): IvhError {
  return new IvhError(ERRORS.INVALID_PARAMETER, detail);
}
