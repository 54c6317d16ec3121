// Voice conversation end to end: a spoken English question made with Debian flite goes through the voice channel
// (16 kHz s16le binary frames), pocketsphinx transcribes it, the assistant project's FAQ answers, and the answer is
// spoken. Barge-in: visitor speech while the avatar talks stops it within 150 ms of the speech onset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concatPcm as concat,
  fliteSpeech,
  silence,
  wer,
} from '../../packages/speech/src/asr/asr-test-support.js';
import { startTestServer, type TestServer } from './harness.js';
import { RawChannel, startedSession } from './channel-client.js';
import { onsetIndex, RawVoice } from './voice-client.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
}, 30_000);

afterAll(async () => {
  await server?.dispose();
});

describe('voice channel', () => {
  it('round trip: a spoken question is transcribed (WER ≤ 20 %) and the FAQ answer is spoken', async () => {
    const sessionId = await startedSession(server.url, { VirtualmanProjectId: 'assistant' });
    const channel = await RawChannel.open(server.url, sessionId);
    const voice = await RawVoice.open(server.url, sessionId);
    const question = 'what are your opening hours';
    await voice.stream(concat(silence(500), fliteSpeech(question), silence(1500)));

    const final = await waitForFrame(voice, (f) => f.Payload.Type === 11 && f.Payload.Final === true);
    const heard = final.Payload.Text ?? '';
    const error = wer(question, heard);
    console.log(`heard "${heard}" for "${question}": WER ${(error * 100).toFixed(0)} %`);
    expect(error).toBeLessThanOrEqual(0.2);
    const reqId = final.Payload.ReqId;
    expect(voice.frames.filter((f) => f.Payload.Type === 12).map((f) => f.Payload.VoiceActivity)).toEqual([
      'SpeechStart',
      'SpeechEnd',
    ]);
    await channel.waitFor((f) => f.Payload.ReqId === reqId && f.Payload.SpeakStatus === 'TextStart', 20_000);
    // The command channel sees the utterance too: voice activity, transcripts, then the question and its answer.
    const types = channel.of(reqId).map((f) => f.Payload.Type);
    expect(types[0]).toBe(12);
    expect(types).toContain(11);
    expect(channel.of(reqId).find((f) => f.Payload.Type === 1)!.Payload.Text).toBe(heard);
    const answer = channel
      .of(reqId)
      .filter((f) => f.Payload.Type === 4)
      .map((f) => (f.Payload as { TextDisplay?: string }).TextDisplay)
      .join(' ');
    expect(answer).toMatch(/\b(nine|9|open)\b/i);
    expect(channel.statuses(reqId)).toContain('TextStart');
    voice.close();
    channel.close();
  }, 60_000);

  it('barge-in: the avatar stops within 150 ms of the visitor starting to speak', async () => {
    const sessionId = await startedSession(server.url);
    const channel = await RawChannel.open(server.url, sessionId);
    const voice = await RawVoice.open(server.url, sessionId);
    const talk = channel.send(sessionId, 'SEND_TEXT', {
      Text: 'I am going to talk for a long while now, on and on, so that there is plenty of time to interrupt me.',
      ChatCommand: 'NotUseChat',
    });
    await channel.waitFor((f) => f.Payload.ReqId === talk && f.Payload.SpeakStatus === 'TextStart', 10_000);
    const speech = fliteSpeech('excuse me');
    const lead = silence(400);
    const heardAt = await voice.stream(concat(lead, speech, silence(800)));
    const onsetAt = heardAt + ((lead.length + onsetIndex(speech)) * 1000) / 16_000;
    const over = await channel.waitFor(
      (f) => f.Payload.ReqId === talk && f.Payload.SpeakStatus === 'TextOver',
    );
    const delay = over.at - onsetAt;
    console.log(`barge-in: TextOver ${delay.toFixed(0)} ms after the speech onset`);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(150);
    voice.close();
    channel.close();
  }, 60_000);

  it('refuses text frames, odd-length frames and sessions of another appkey', async () => {
    const sessionId = await startedSession(server.url);
    const voice = await RawVoice.open(server.url, sessionId);
    voice.ws.send('{"hello":1}');
    await waitForClose(voice);
    expect(voice.closed?.code).toBe(1003);
    const odd = await RawVoice.open(server.url, sessionId);
    odd.ws.send(Buffer.alloc(3));
    await waitForClose(odd);
    expect(odd.closed?.code).toBe(1003);
    await expect(RawVoice.open(server.url, 'm99999999')).rejects.toThrow(/refused with 404/);
  }, 30_000);
});

async function waitForFrame(
  voice: RawVoice,
  predicate: (f: RawVoice['frames'][number]) => boolean,
  ms = 20_000,
) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = voice.frames.find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `no such voice frame within ${ms} ms; got ${JSON.stringify(voice.frames.map((f) => f.Payload))}`,
  );
}

async function waitForClose(voice: RawVoice): Promise<void> {
  const end = Date.now() + 5_000;
  while (!voice.closed && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}
