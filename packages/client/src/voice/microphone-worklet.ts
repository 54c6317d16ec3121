/** The name the microphone's AudioWorkletProcessor registers under. */
export const MICROPHONE_PROCESSOR = 'dhuman-microphone';

/**
 * The AudioWorklet module that taps the microphone, as source text: MicrophoneCapture loads it from a Blob URL
 * so that the SDK is one file. A page whose Content-Security-Policy does not allow `blob:` scripts
 * (`script-src … blob:`, which governs worklets) can serve this text itself and pass its URL as `workletUrl`.
 *
 * It only copies: the audio thread must never miss its deadline, so it collects the render quanta (128
 * frames) into blocks of `processorOptions.blockFrames` and transfers each block to the main thread, which
 * resamples. The node is created with one input channel in explicit mode, so the graph has already mixed the
 * microphone down to mono.
 */
export const MICROPHONE_WORKLET_SOURCE = `
class DhumanMicrophoneProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const frames = options && options.processorOptions && options.processorOptions.blockFrames;
    this.size = Number.isInteger(frames) && frames >= 128 ? frames : 1024;
    this.block = new Float32Array(this.size);
    this.filled = 0;
    this.stopped = false;
    this.port.onmessage = (event) => {
      if (event.data === 'stop') this.stopped = true;
    };
  }

  process(inputs) {
    if (this.stopped) return false;
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    let offset = 0;
    while (offset < channel.length) {
      const take = Math.min(this.size - this.filled, channel.length - offset);
      this.block.set(channel.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.size) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor(${JSON.stringify(MICROPHONE_PROCESSOR)}, DhumanMicrophoneProcessor);
`;
