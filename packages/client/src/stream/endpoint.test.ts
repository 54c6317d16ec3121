import { describe, expect, it } from 'vitest';
import { whepEndpointFromPlayAddress } from './endpoint.js';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';

describe('whepEndpointFromPlayAddress', () => {
  it('maps the player page to the WHEP endpoint, token kept', () => {
    expect(whepEndpointFromPlayAddress(`https://h.example.com/dhuman/play/m123?token=${TOKEN}`)).toBe(
      `https://h.example.com/dhuman/whep/m123?token=${TOKEN}`,
    );
    expect(whepEndpointFromPlayAddress(`http://127.0.0.1:8080/dhuman/play/m1/?token=T#x`)).toBe(
      'http://127.0.0.1:8080/dhuman/whep/m1?token=T',
    );
  });

  it('keeps a path prefix the server is mounted under', () => {
    expect(whepEndpointFromPlayAddress('https://h/ivh/dhuman/play/m9?token=T')).toBe(
      'https://h/ivh/dhuman/whep/m9?token=T',
    );
  });

  it.each([
    ['not a URL', '/dhuman/play/m1?token=T', /not an absolute URL/],
    ['rtmp', 'rtmp://h:1935/live/m1?token=T', /WHEP needs http or https, got rtmp:/],
    ['another path', 'https://h/dhuman/live/m1.m3u8?token=T', /\/dhuman\/play\/<SessionId>/],
    ['no session id', 'https://h/dhuman/play/?token=T', /\/dhuman\/play\/<SessionId>/],
    ['extra segment', 'https://h/dhuman/play/m1/x?token=T', /\/dhuman\/play\/<SessionId>/],
    ['no token', 'https://h/dhuman/play/m1', /no \?token=/],
    ['empty token', 'https://h/dhuman/play/m1?token=', /no \?token=/],
  ])('rejects %s', (_name, address, message) => {
    expect(() => whepEndpointFromPlayAddress(address)).toThrow(TypeError);
    expect(() => whepEndpointFromPlayAddress(address)).toThrow(message);
  });
});
