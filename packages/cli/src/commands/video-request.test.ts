import { describe, expect, it } from 'vitest';
import { checkText, planVideoMake, withInput, type VideoMakeFlags } from './video-request.js';

const flags = (more: Partial<VideoMakeFlags>): VideoMakeFlags => ({ project: 'demo', ...more });

describe('planVideoMake', () => {
  it('sends a text video to videomake as an MP4 with the voice fields given', () => {
    const plan = planVideoMake(flags({ text: 'Hello.', voice: 'en-us', speed: '1.2', volume: '3' }));
    expect(plan.endpoint).toBe('videomake');
    expect(plan.format).toBe('mp4');
    expect(withInput(plan, { text: 'Hello.' })).toEqual({
      VirtualmanKey: 'demo',
      SpeechParam: { TimbreKey: 'en-us', Speed: 1.2, Volume: 3 },
      VideoParam: { Format: 'Mp4' },
      DriverType: 'Text',
      InputSsml: 'Hello.',
    });
  });

  it('takes the format from --out, and uses videomakeadvanced for subtitles and a background', () => {
    expect(planVideoMake(flags({ text: 'x', out: 'a/b.WEBM' })).payload['VideoParam']).toEqual({
      Format: 'TransparentWebm',
    });
    const plan = planVideoMake(
      flags({ audioUrl: 'https://example.com/a.wav', subtitles: true, backgroundUrl: 'http://h/bg.png' }),
    );
    expect(plan.endpoint).toBe('videomakeadvanced');
    expect(withInput(plan, { audioUrl: 'https://example.com/a.wav' })).toMatchObject({
      DriverType: 'OriginalVoice',
      InputAudioUrl: 'https://example.com/a.wav',
      VideoParam: { Format: 'Mp4', ShowSubtitles: true, BackgroundFileUrl: 'http://h/bg.png' },
    });
  });

  it.each<[string, Partial<VideoMakeFlags>, RegExp]>([
    ['no input', {}, /give one of --text, --ssml, --audio, --audio-url/],
    ['two inputs', { text: 'x', audio: 'a.wav' }, /only one of .* \(got --text and --audio\)/],
    ['an unknown format', { text: 'x', format: 'avi' }, /--format must be one of mp4, webm, mov, got "avi"/],
    [
      'a format --out contradicts',
      { text: 'x', format: 'mov', out: 'x.mp4' },
      /ends in \.mp4 but --format is mov/,
    ],
    ['a speed out of range', { text: 'x', speed: '2' }, /--speed must be a number from 0.5 to 1.5, got "2"/],
    [
      'a volume that is not a number',
      { text: 'x', volume: 'loud' },
      /--volume must be a number from 0 to 10/,
    ],
    [
      'a voice for a recording',
      { audioUrl: 'http://h/a.wav', voice: 'en-us' },
      /--voice and --speed apply to text/,
    ],
    ['a URL that is not http', { audioUrl: 'file:///etc/passwd' }, /--audio-url must be an http/],
    [
      'a background on a transparent video',
      { text: 'x', format: 'webm', backgroundUrl: 'http://h/b.png' },
      /needs --format mp4/,
    ],
    ['an empty text', { text: '  ' }, /--text must not be empty/],
  ])('refuses %s', (_what, more, message) => {
    expect(() => planVideoMake(flags(more))).toThrow(message);
  });
});

describe('checkText', () => {
  it('counts characters, with the smaller limit of mov videos', () => {
    expect(checkText('--text', 'é'.repeat(2000), 'mov')).toHaveLength(2000);
    expect(() => checkText('--ssml', 'a'.repeat(2001), 'mov')).toThrow(/2001 characters; at most 2000/);
    expect(() => checkText('--ssml', '\n', 'mp4')).toThrow(/--ssml is empty/);
  });
});
