import { describe, expect, it } from 'vitest';
import { describeDialogueSettings, parseDialogueSettings } from './settings.js';

describe('dialogue settings', () => {
  it('accepts an FAQ file by absolute path or built-in name, and an LLM with or without its own fields', () => {
    expect(parseDialogueSettings({ engine: 'faq', file: '/srv/faq.yaml' })).toEqual({
      engine: 'faq',
      file: '/srv/faq.yaml',
    });
    expect(parseDialogueSettings({ engine: 'faq', file: 'builtin:assistant' }).engine).toBe('faq');
    expect(parseDialogueSettings({ engine: 'llm' })).toEqual({ engine: 'llm' });
    expect(
      parseDialogueSettings({
        engine: 'llm',
        url: 'http://127.0.0.1:11434/v1',
        model: 'qwen',
        systemPrompt: 'Hi',
      }),
    ).toEqual({ engine: 'llm', url: 'http://127.0.0.1:11434/v1', model: 'qwen', systemPrompt: 'Hi' });
  });

  it.each([
    [null, /an object with an engine/],
    [{ engine: 'gpt' }, /"faq" or "llm"/],
    [{ engine: 'faq' }, /file is required/],
    [{ engine: 'faq', file: 'faq.yaml' }, /absolute path/],
    [{ engine: 'llm', url: 'ftp://x/v1' }, /http: or https:/],
    [{ engine: 'llm', url: 'not a url' }, /not a URL/],
    [{ engine: 'llm', url: 'https://user:pw@x/v1' }, /must not carry credentials/],
    [{ engine: 'llm', model: 7 }, /model must be a string/],
    [{ engine: 'llm', systemPrompt: 'x'.repeat(8001) }, /longer than 8000/],
  ])('refuses %j', (input, message) => {
    expect(() => parseDialogueSettings(input)).toThrow(message);
  });

  it('never shows an API key', () => {
    const shown = describeDialogueSettings({ engine: 'llm', model: 'm', apiKey: 'sk-secret' });
    expect(shown).toEqual({ engine: 'llm', model: 'm', apiKey: '(set)' });
    expect(JSON.stringify(shown)).not.toContain('sk-secret');
    expect(describeDialogueSettings(undefined)).toEqual({ engine: 'none' });
  });
});
