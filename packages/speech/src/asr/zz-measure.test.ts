import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { PocketsphinxStream } from './pocketsphinx-asr.js';
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
import type { AsrResult } from '@dhuman/core';
import { concatPcm, fliteSpeech, silence, wer } from './asr-test-support.js';
import { PocketsphinxAsr } from './pocketsphinx-asr.js';

const S = ['what are your opening hours', 'where is the nearest train station', 'can I pay with a credit card',
  'I would like to book a table for two people tomorrow evening', 'how much does the ticket cost'];
it('measure', { timeout: 120_000 }, async () => {
  const results: AsrResult[] = [];
  let waiter: (() => void) | undefined;
  const t0 = performance.now();
  const asr = new PocketsphinxAsr();
  const stream = await asr.open({ onResult: (r) => { results.push(r); if (r.final) waiter?.(); }, onError: (e) => console.log(e) });
  console.log('open ms', (performance.now() - t0).toFixed(0));
  const audio = S.map((s) => concatPcm(fliteSpeech(s), silence(300)));
  // real-time paced
  const lat: number[] = [];
  for (const [i, pcm] of audio.entries()) {
    const n = stream.begin();
    const start = performance.now();
    for (let o = 0; o < pcm.length; o += 640) {
      stream.write(pcm.subarray(o, o + 640));
      const due = start + ((o + 640) / 16);
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    const done = new Promise<void>((r) => (waiter = r));
    const tEnd = performance.now();
    stream.end();
    await done;
    lat.push(performance.now() - tEnd);
    const fin = results.find((r) => r.final && r.utterance === n)!;
    const parts = results.filter((r) => !r.final && r.utterance === n).length;
    console.log('RT', S[i], '->', fin.text, 'wer', wer(S[i]!, fin.text).toFixed(2), 'partials', parts, 'latency', lat.at(-1)!.toFixed(0));
  }
  // batch: all at once
  const pid = (stream as PocketsphinxStream).pid!; const c0 = cpu(pid);
  let audioMs = 0, procMs = 0;
  for (const pcm of audio) {
    const n = stream.begin();
    const done = new Promise<void>((r) => (waiter = r));
    const t = performance.now();
    for (let o = 0; o < pcm.length; o += 640) stream.write(pcm.subarray(o, o + 640));
    stream.end();
    await done;
    procMs += performance.now() - t; audioMs += pcm.length / 16;
    void n;
  }
  console.log('child CPU ms per audio ms (batch)', ((cpu(pid) - c0) / audioMs).toFixed(3));
  console.log('child RSS', readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1], 'kB');
  console.log('latency end->final ms', lat.map((x) => x.toFixed(0)).join(' '), 'RTF batch', (procMs / audioMs).toFixed(3));
  stream.close();
});
