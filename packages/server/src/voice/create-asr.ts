import type { AsrProvider } from '@dhuman/core';
import { OpenAiTranscriptionAsr, PocketsphinxAsr } from '@dhuman/speech';
import type { AsrConfig } from '../config.js';

/** The recogniser DHUMAN_ASR names, or undefined when it is off (voice channels are then refused). */
export function createAsr(config: AsrConfig): AsrProvider | undefined {
  switch (config.engine) {
    case 'off':
      return undefined;
    case 'openai':
      if (!config.url || !config.model)
        throw new Error('DHUMAN_ASR=openai needs DHUMAN_ASR_URL and DHUMAN_ASR_MODEL');
      return new OpenAiTranscriptionAsr({
        url: config.url,
        model: config.model,
        language: config.language,
        ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
      });
    case 'pocketsphinx':
      // The first pass alone gives the final transcript about 120 ms sooner, for 5.9 % instead of 3.4 % word
      // error on flite's voices: turn-taking latency matters more here (docs/benchmarks.md, "conversation").
      return new PocketsphinxAsr({ firstPassOnly: true });
  }
}
