import { describe, expect, it } from 'vitest';
import { parseIceServerLinks } from './ice-links.js';

describe('parseIceServerLinks', () => {
  it('reads STUN and TURN servers, joined as fetch joins repeated headers', () => {
    const header =
      '<stun:stun.example.net:3478>; rel="ice-server", ' +
      '<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="pa;ss,word"; ' +
      'credential-type="password"';
    expect(parseIceServerLinks(header)).toEqual([
      { urls: 'stun:stun.example.net:3478' },
      { urls: 'turn:turn.example.net?transport=udp', username: 'user', credential: 'pa;ss,word' },
    ]);
  });

  it('takes unquoted values, any case of names, extra spaces and escapes in quoted strings', () => {
    const header =
      '  <turns:t.example.net:443?transport=tcp> ;REL = ice-server ; Username=u1 ; credential="a\\"b"';
    expect(parseIceServerLinks(header)).toEqual([
      { urls: 'turns:t.example.net:443?transport=tcp', username: 'u1', credential: 'a"b' },
    ]);
  });

  it('keeps a link whose rel lists ice-server among other relation types', () => {
    expect(parseIceServerLinks('<stun:s.example.net>; rel="preload ice-server"')).toEqual([
      { urls: 'stun:s.example.net' },
    ]);
  });

  it('ignores links of other relations and links without rel', () => {
    const header = '</style.css>; rel=preload, <stun:a.example.net>, <stun:b.example.net>; rel="ice-server"';
    expect(parseIceServerLinks(header)).toEqual([{ urls: 'stun:b.example.net' }]);
  });

  it('skips a malformed link and keeps reading after it', () => {
    const header = 'stun:bare.example.net; rel="ice-server", <stun:ok.example.net>; rel="ice-server"';
    expect(parseIceServerLinks(header)).toEqual([{ urls: 'stun:ok.example.net' }]);
    expect(parseIceServerLinks('<stun:open.example.net; rel="ice-server"')).toEqual([]);
    expect(parseIceServerLinks('<stun:q.example.net>; rel="ice-server"; username="unterminated')).toEqual([]);
    expect(parseIceServerLinks('<>; rel="ice-server"')).toEqual([]);
  });

  it('returns nothing for no header', () => {
    expect(parseIceServerLinks(null)).toEqual([]);
    expect(parseIceServerLinks(undefined)).toEqual([]);
    expect(parseIceServerLinks('')).toEqual([]);
    expect(parseIceServerLinks(' , ,')).toEqual([]);
  });
});
