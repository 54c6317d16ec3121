import { IvhError } from '@dhuman/protocol';
import { describe, expect, it } from 'vitest';
import { stripSsmlTags } from './strip-tags.js';

describe('stripSsmlTags', () => {
  it('keeps the written text of every element and decodes entities', () => {
    expect(
      stripSsmlTags(
        '<speak> 用<sub alias="语音合成">TTS</sub>读<say-as interpret-as="cardinal">12</say-as>&amp;<break/>' +
          '<phoneme alphabet="py" ph="chuan2">传</phoneme><insert-action type="wave"/><!-- c --><prosody>好</prosody> </speak>',
      ),
    ).toBe('用TTS读12&传好');
  });

  it('returns input without < untouched', () => {
    expect(stripSsmlTags(' a &amp; b ')).toBe(' a &amp; b ');
  });

  it('throws on malformed SSML like parseSpeechInput', () => {
    expect(() => stripSsmlTags('<speak>a')).toThrow(IvhError);
  });
});
