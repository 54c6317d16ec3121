import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MicrophoneCapture, MicrophoneError, microphoneConstraints, microphoneError } from './microphone.js';
import { MICROPHONE_PROCESSOR, MICROPHONE_WORKLET_SOURCE } from './microphone-worklet.js';

// Capture itself needs a browser (tests/e2e/conversation-voice.test.ts records Chromium's fake microphone);
// these pin down what is decided without one.

function domError(name: string, message = ''): Error {
  return new DOMException(message, name);
}

describe('microphoneConstraints', () => {
  it("asks for the browser's echo cancellation, noise suppression and gain control, in mono", () => {
    expect(microphoneConstraints()).toEqual({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      video: false,
    });
    expect(microphoneConstraints('mic-2').audio).toMatchObject({ deviceId: { exact: 'mic-2' } });
  });
});

describe('microphoneError', () => {
  it('names what went wrong in words a page can show', () => {
    expect(microphoneError(domError('NotAllowedError')).kind).toBe('denied');
    expect(microphoneError(domError('NotFoundError')).kind).toBe('no-device');
    expect(microphoneError(domError('OverconstrainedError')).kind).toBe('no-device');
    expect(microphoneError(domError('NotReadableError')).kind).toBe('busy');
    const other = microphoneError(domError('TypeError', 'bad constraints'));
    expect(other.kind).toBe('failed');
    expect(other.message).toBe('the microphone could not start: bad constraints');
    expect(microphoneError('odd').message).toBe('the microphone could not start');
  });
});

describe('MicrophoneCapture.start', () => {
  it('refuses where there is no microphone API, before asking for anything', async () => {
    // Node has no navigator.mediaDevices, like a browser page that is not a secure context.
    const failure = await MicrophoneCapture.start({ onChunk: () => undefined }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MicrophoneError);
    expect(['unsupported', 'insecure']).toContain((failure as MicrophoneError).kind);
  });

  it('refuses a chunk length out of range', async () => {
    await expect(MicrophoneCapture.start({ onChunk: () => undefined, chunkMs: 5 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('MICROPHONE_WORKLET_SOURCE', () => {
  it('is a module that registers the processor the capture creates', () => {
    let registered: string | undefined;
    // Run with stand-ins for the AudioWorkletGlobalScope it runs in.
    runInNewContext(MICROPHONE_WORKLET_SOURCE, {
      AudioWorkletProcessor: class {},
      registerProcessor: (name: string) => (registered = name),
    });
    expect(registered).toBe(MICROPHONE_PROCESSOR);
  });

  it('hands over blocks of the asked size, copied out of the render quanta', () => {
    type Processor = {
      port: { postMessage: (data: Float32Array) => void; onmessage: unknown };
      process(inputs: Float32Array[][]): boolean;
    };
    let Created: (new (options: unknown) => Processor) | undefined;
    const posted: Float32Array[] = [];
    class Base {
      port = { postMessage: (data: Float32Array) => posted.push(data), onmessage: null };
    }
    runInNewContext(MICROPHONE_WORKLET_SOURCE, {
      AudioWorkletProcessor: Base,
      registerProcessor: (_name: string, ctor: new (options: unknown) => Processor) => (Created = ctor),
    });
    const processor = new (Created as new (options: unknown) => Processor)({
      processorOptions: { blockFrames: 200 },
    });
    for (let quantum = 0; quantum < 4; quantum++) {
      const samples = Float32Array.from({ length: 128 }, (_, i) => quantum * 128 + i);
      expect(processor.process([[samples]])).toBe(true);
    }
    expect(posted.map((block) => [block.length, block[0], block[199]])).toEqual([
      [200, 0, 199],
      [200, 200, 399],
    ]);
    expect(processor.process([[]])).toBe(true);
  });
});
