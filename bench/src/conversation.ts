import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { DhumanClient, openVoiceChannel } from '@dhuman/client';
import { EVENT_TYPE, VOICE_ACTIVITY } from '@dhuman/protocol';
import { startScriptedChatServer } from './chat-server.js';
import { startServer } from './server-process.js';
import { speechEnd, spokenQuestion } from './spoken-questions.js';
import { round, stats, statsJson, type Stats } from './stats.js';
import { Talker, type Credentials, type Utterance } from './talker.js';
import type { BenchOptions, BenchResult } from './types.js';

export const name = 'conversation';
export const description =
  'voice question → first answer audio (FAQ, pocketsphinx) and question text → first answer audio (local streaming LLM)';

const APPKEY = 'bench_appkey';
const ACCESSTOKEN = 'bench_accesstoken_not_secret';
const CLI = fileURLToPath(new URL('../../packages/cli/bin/dhuman.js', import.meta.url));
const AIM = { voiceP95Ms: 800, textP95Ms: 150 } as const;
/** Questions the assistant project's FAQ answers, spoken in turn. */
const VOICE_QUESTIONS = [
  'what are your opening hours',
  'what can you do',
  'who are you',
  'where is the shop',
  'how much does it cost',
];
/** Silence before and after each spoken question, as a visitor pauses. */
const LEAD_MS = 400;
const TAIL_MS = 1500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Phase {
  n: number;
  errors: string[];
  /** Client-side: end of speech (voice) or SEND_TEXT sent (text) → TextStart of the answer. */
  latency: Stats;
  /** Server-side Timings.FirstSampleMs: question received → first answer sample played. */
  server: Stats;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { progress, durationSec } = options;
  const llm = await startScriptedChatServer(() => ({ pieces: ['Sure. ', 'Here is ', 'the answer.'] }));
  progress('conversation: starting dhuman serve');
  const server = await startServer({ env: { DHUMAN_APPKEY: APPKEY, DHUMAN_ACCESSTOKEN: ACCESSTOKEN } });
  try {
    await promisify(execFile)(process.execPath, [
      CLI,
      ...['project', 'create', 'bench-llm', '--llm-url', llm.url, '--llm-model', 'scripted'],
      ...['--data-dir', server.dataDir],
    ]);
    const creds: Credentials = { baseUrl: server.url, appkey: APPKEY, accesstoken: ACCESSTOKEN };
    const client = new DhumanClient(creds);
    const rounds = Math.max(5, Math.round(2 * durationSec));
    progress(`conversation: ${rounds} spoken questions to the FAQ assistant`);
    const voice = await voicePhase(client, creds, rounds, progress);
    progress(`conversation: ${rounds * 4} typed questions to a local streaming LLM`);
    const text = await textPhase(client, creds, rounds * 4);
    const row = (label: string, p: Phase) => [
      label,
      p.n,
      round(p.latency.p50),
      round(p.latency.p95),
      round(p.server.p50),
      round(p.server.p95),
      p.errors.length,
    ];
    const notes = [
      `aim: voice p95 ≤ ${AIM.voiceP95Ms} ms: ${voice.latency.p95 <= AIM.voiceP95Ms ? 'met' : 'missed'}; ` +
        `text p95 ≤ ${AIM.textP95Ms} ms: ${text.latency.p95 <= AIM.textP95Ms ? 'met' : 'missed'}`,
      'voice: end of the spoken question (last loud sample heard) → TextStart of the answer, measured by the client;',
      '  server ms: the final transcript became a question → first answer sample played',
      'text: SEND_TEXT sent → TextStart; server ms: command received → first answer sample played',
      ...[...voice.errors, ...text.errors].slice(0, 5).map((e) => `error: ${e}`),
    ];
    return {
      table: {
        columns: ['path', 'questions', 'p50 ms', 'p95 ms', 'server p50', 'server p95', 'errors'],
        rows: [row('voice → FAQ', voice), row('text → LLM', text)],
      },
      notes,
      figures: {
        voice: {
          latency: statsJson(voice.latency),
          server: statsJson(voice.server),
          errors: voice.errors.length,
        },
        text: {
          latency: statsJson(text.latency),
          server: statsJson(text.server),
          errors: text.errors.length,
        },
        aim: AIM,
      },
    };
  } finally {
    await server.stop();
    await llm.close();
  }
}

/** Spoken questions at real-time pace through the voice channel of one session of the `assistant` project. */
async function voicePhase(
  client: DhumanClient,
  creds: Credentials,
  rounds: number,
  progress: (message: string) => void,
): Promise<Phase> {
  const talker = await Talker.start(client, creds, 'conversation-voice', 'assistant');
  const errors: string[] = [];
  const latencies: number[] = [];
  const server: number[] = [];
  const channel = openVoiceChannel(client, talker.sessionId, { webSocket: WebSocket });
  // The answer's TextStart can come while the tail silence is still being sent: follow its ReqId from the
  // moment speech is detected.
  const heard: { answer?: Utterance } = {};
  channel.on('event', (event) => {
    if (event.Type === EVENT_TYPE.VOICE_ACTIVITY && event.VoiceActivity === VOICE_ACTIVITY.SPEECH_START) {
      heard.answer ??= talker.watch(event.ReqId, '', Number.NaN);
    }
  });
  channel.on('error', (error) => errors.push(error.message));
  await new Promise<void>((resolve, reject) => {
    channel.once('open', resolve);
    channel.once('closed', (code: number, reason: string) =>
      reject(new Error(`voice channel closed ${code} ${reason}`)),
    );
  });
  try {
    const spoken = await Promise.all(VOICE_QUESTIONS.map((q) => spokenQuestion(q)));
    for (let i = 0; i < rounds; i++) {
      const pcm = spoken[i % spoken.length]!;
      heard.answer = undefined;
      const startedAt = await streamRealTime(channel, pcm);
      const endOfSpeech = startedAt + ((LEAD_MS * 16 + speechEnd(pcm)) * 1000) / 16_000;
      const answer = heard.answer as Utterance | undefined;
      if (!answer) {
        errors.push(`question ${i + 1}: no speech detected`);
        continue;
      }
      answer.sentAt = endOfSpeech;
      await talker.finished(answer, 20_000);
      if (answer.error) errors.push(`question ${i + 1}: ${answer.error}`);
      else if (answer.textStartAt === undefined) errors.push(`question ${i + 1}: no answer`);
      else {
        latencies.push(answer.textStartAt - endOfSpeech);
        progress(
          `conversation: "${VOICE_QUESTIONS[i % VOICE_QUESTIONS.length]}" answered ${Math.round(answer.textStartAt - endOfSpeech)} ms after the speech ended`,
        );
        if (answer.firstSampleMs !== undefined) server.push(answer.firstSampleMs);
      }
    }
  } finally {
    channel.close();
    await talker.stop();
  }
  return { n: latencies.length, errors, latency: stats(latencies), server: stats(server) };
}

/**
 * Streams lead silence + `pcm` + tail silence in 20 ms chunks, each sent when a microphone would have recorded
 * it. The talker must watch the ReqId before TextStart can arrive: it is registered from SpeechStart, which
 * comes while the question is still being spoken. Returns when sample 0 of the lead was "heard".
 */
async function streamRealTime(
  channel: ReturnType<typeof openVoiceChannel>,
  pcm: Int16Array,
): Promise<number> {
  const all = new Int16Array(((LEAD_MS + TAIL_MS) * 16_000) / 1000 + pcm.length);
  all.set(pcm, LEAD_MS * 16);
  const chunk = 320;
  const start = performance.now();
  for (let at = 0; at < all.length; at += chunk) {
    await sleep(start + ((at + chunk) * 1000) / 16_000 - performance.now());
    channel.send(all.subarray(at, at + chunk));
  }
  return start;
}

/** Typed questions to a project whose LLM answers at once: what dhuman itself adds. */
async function textPhase(client: DhumanClient, creds: Credentials, n: number): Promise<Phase> {
  const talker = await Talker.start(client, creds, 'conversation-text', 'bench-llm');
  const errors: string[] = [];
  const latencies: number[] = [];
  const server: number[] = [];
  try {
    for (let i = 0; i < n + 3; i++) {
      const utterance = talker.say(`q${i}`.padEnd(32, '0'), `Question number ${i}?`);
      await talker.finished(utterance, 10_000);
      if (i < 3) continue; // warm-up: engine creation, first TTS of the voice
      if (utterance.error) errors.push(utterance.error);
      else if (utterance.textStartAt === undefined) errors.push(`question ${i}: no answer`);
      else {
        latencies.push(utterance.textStartAt - utterance.sentAt);
        if (utterance.firstSampleMs !== undefined) server.push(utterance.firstSampleMs);
      }
      await sleep(100);
    }
  } finally {
    await talker.stop();
  }
  return { n: latencies.length, errors, latency: stats(latencies), server: stats(server) };
}
