import { describe, expect, it } from 'vitest';
import { SUBTITLE_FONT, assScript, assText, assTime } from './composition-subtitles.js';

describe('assScript', () => {
  it('sizes everything in output pixels: PlayRes is the frame, text 1/18 of its height, bottom centre', () => {
    const script = assScript([{ startMs: 1234, endMs: 3_725_010, text: 'Hello 你好' }], 1280, 720);
    expect(script).toContain('PlayResX: 1280\nPlayResY: 720\n');
    const style = script.split('\n').find((line) => line.startsWith('Style: '));
    // Name, font, size 40, white text, near-black outline 3.2 px, alignment 2, margins 64/64/36.
    expect(style).toBe(
      `Style: Default,${SUBTITLE_FONT},40,&H00FFFFFF,&H00FFFFFF,&H00101010,&H80000000,0,0,0,0,100,100,0,0,1,3.2,0,2,64,64,36,1`,
    );
    expect(script).toContain('\nDialogue: 0,0:00:01.23,1:02:05.01,Default,,0,0,0,,Hello 你好\n');
  });

  it('keeps a readable size on tiny frames', () => {
    expect(assScript([], 64, 64)).toContain(`Style: Default,${SUBTITLE_FONT},8,`);
  });
});

describe('assTime', () => {
  it('counts centiseconds, rounding, never negative', () => {
    expect(assTime(0)).toBe('0:00:00.00');
    expect(assTime(1005)).toBe('0:00:01.01');
    expect(assTime(59_994)).toBe('0:00:59.99');
    expect(assTime(59_996)).toBe('0:01:00.00');
    expect(assTime(-20)).toBe('0:00:00.00');
  });
});

describe('assText', () => {
  it('shows braces and backslashes as written, breaks lines with \\N, drops control characters', () => {
    expect(assText('{\\an8}top')).toBe('\\{\\\u2060an8\\}top');
    expect(assText('a\\Nb')).toBe('a\\\u2060Nb');
    expect(assText('one\r\ntwo\nthree')).toBe('one\\Ntwo\\Nthree');
    expect(assText('tab\there\u0007')).toBe('tab here');
    expect(assText('你好, world!')).toBe('你好, world!');
  });
});
