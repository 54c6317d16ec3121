import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { iceServerLink, parseIceServers } from './ice-servers.js';

describe('parseIceServers', () => {
  it('reads a comma-separated list of STUN URLs, one server each, without credentials', () => {
    expect(parseIceServers(' stun:stun.example.com:3478 ,stuns:b.example ')).toStrictEqual([
      { urls: 'stun:stun.example.com:3478' },
      { urls: 'stuns:b.example' },
    ]);
  });

  it('reads a JSON array in the RTCIceServer shape, keeping TURN credentials', () => {
    const text = JSON.stringify([
      { urls: 'stun:stun.example.com' },
      { urls: 'turn:turn.example.com:3478?transport=udp', username: 'u', credential: 'p' },
    ]);
    expect(parseIceServers(text)).toStrictEqual([
      { urls: 'stun:stun.example.com' },
      { urls: 'turn:turn.example.com:3478?transport=udp', username: 'u', credential: 'p' },
    ]);
  });

  it('splits `urls` given as an array into one server per URL; only TURN ones carry the credentials', () => {
    const text = JSON.stringify([
      {
        urls: ['stun:a.example', 'turn:a.example:3478', 'turns:a.example:5349'],
        username: 'user',
        credential: 'secret',
      },
    ]);
    expect(parseIceServers(text)).toStrictEqual([
      { urls: 'stun:a.example' },
      { urls: 'turn:a.example:3478', username: 'user', credential: 'secret' },
      { urls: 'turns:a.example:5349', username: 'user', credential: 'secret' },
    ]);
  });

  it.each([
    ['a TURN URL in the comma form', 'stun:a.example,turn:t.example'],
    ['a TURN server with no credentials', '[{"urls":"turn:t.example"}]'],
    ['a TURN server with only a username', '[{"urls":"turns:t.example","username":"u"}]'],
    ['a TURN server with only a credential', '[{"urls":["turn:t.example"],"credential":"p"}]'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseIceServers(text)).toThrow(/needs a username and credential/);
  });

  it.each([
    'http://stun.example.com',
    'stun.example.com',
    'stun:',
    'stun:a b',
    'stun:<a>',
    'stun:a"b',
    'stun:a;rel=x',
  ])('refuses %j, which is not a usable ICE URL', (url) => {
    expect(() => parseIceServers(url)).toThrow(/is not a stun:, stuns:, turn: or turns: URL/);
    expect(() => parseIceServers(JSON.stringify([{ urls: url }]))).toThrow(/is not a stun:/);
  });

  it('refuses text that starts like JSON but is not', () => {
    expect(() => parseIceServers('[{"urls": "stun:a.example"')).toThrow('not valid JSON');
  });

  it.each([
    ['an unknown key', '[{"url":"stun:a.example"}]'],
    ['an object instead of an array', '[1]'],
    ['an empty urls list', '[{"urls":[]}]'],
    ['a number as urls', '[{"urls":3478}]'],
  ])('refuses JSON with %s', (_what, text) => {
    expect(() => parseIceServers(text)).toThrow(/not an array of \{urls, username\?, credential\?\}/);
  });

  it('gives no servers for empty or blank text, or an empty array', () => {
    expect(parseIceServers('')).toEqual([]);
    expect(parseIceServers('  \n ')).toEqual([]);
    expect(parseIceServers('[]')).toEqual([]);
  });
});

describe('iceServerLink', () => {
  it('advertises a STUN server as a bare ice-server link', () => {
    expect(iceServerLink({ urls: 'stun:stun.example.com:3478' })).toBe(
      '<stun:stun.example.com:3478>; rel="ice-server"',
    );
  });

  it('advertises a TURN server with its username, credential and credential type', () => {
    expect(iceServerLink({ urls: 'turn:t.example:3478', username: 'alice', credential: 's3cret' })).toBe(
      '<turn:t.example:3478>; rel="ice-server"; username="alice"; credential="s3cret"; credential-type="password"',
    );
  });

  it('adds no credentials when only one of the two is known', () => {
    expect(iceServerLink({ urls: 'stun:a.example', username: 'u' })).toBe(
      '<stun:a.example>; rel="ice-server"',
    );
  });

  it('keeps quotes, backslashes and control characters from ending the quoted parameters', () => {
    const link = iceServerLink({
      urls: 'turn:t.example',
      username: 'a"; rel="evil\\',
      credential: 'p\\"\r\nX-Injected: 1\t\0"',
    });
    // Exactly the eight quotes of the four parameters: nothing opened or closed one early.
    expect(link.match(/"/g)).toHaveLength(8);
    expect(link).not.toContain('\\');
    expect([...link].filter((c) => c < ' ')).toEqual([]);
    expect(link).toBe(
      '<turn:t.example>; rel="ice-server"; username="a; rel=evil"; credential="pX-Injected: 1"; credential-type="password"',
    );
    expect(() => validateHeaderValue('link', link)).not.toThrow();
  });

  it('gives a header value Node accepts for a credential with DEL or non-Latin-1 characters', () => {
    const link = iceServerLink({ urls: 'turn:t.example', username: 'u\x7f', credential: 'pa€€word' });
    expect(() => validateHeaderValue('link', link)).not.toThrow();
  });

  it('accepts only URLs that make a valid Link header value', () => {
    let servers: ReturnType<typeof parseIceServers> = [];
    try {
      servers = parseIceServers('[{"urls":"stun:a.example\\u0001"}]');
    } catch {
      return; // refused at configuration time: fine
    }
    for (const server of servers)
      expect(() => validateHeaderValue('link', iceServerLink(server))).not.toThrow();
  });
});
