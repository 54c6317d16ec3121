import { IvhError, sign } from '@dhuman/client';
import { describe, expect, it } from 'vitest';
import { DemoApi, NetworkError, describeError, type FetchLike } from './api.js';

interface Seen {
  url: URL;
  init: RequestInit | undefined;
}

function fakeFetch(body: unknown, status = 200): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = (input, init) => {
    seen.push({ url: new URL(input), init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return Promise.resolve(new Response(text, { status, headers: { 'content-type': 'application/json' } }));
  };
  return { fetch, seen };
}

const ok = (payload: Record<string, unknown>) => ({
  Header: { Code: 0, Message: '', RequestID: 'r1' },
  Payload: payload,
});
const credential = { appkey: 'ak1', accesstoken: 'secret-token' };

describe('DemoApi', () => {
  it('lists projects with a query signed by the accesstoken, which never travels', async () => {
    const projects = [{ ProjectId: 'demo', Name: 'Demo', AvatarKey: 'ava', Voice: 'en-us' }];
    const { fetch, seen } = fakeFetch(ok({ Projects: projects }));
    const api = new DemoApi('http://127.0.0.1:8080/', fetch);
    expect(await api.listProjects(credential)).toEqual(projects);

    const { url, init } = seen[0] ?? expect.unreachable();
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:8080/dhuman/projects');
    expect(init?.method).toBe('GET');
    expect(url.searchParams.get('appkey')).toBe('ak1');
    expect(await sign(url.searchParams, 'secret-token')).toBe(url.searchParams.get('signature'));
    expect(url.href).not.toContain('secret-token');
  });

  it('lists avatars and fetches one by key, escaping the key', async () => {
    const { fetch, seen } = fakeFetch(ok({ Avatars: [{ AvatarKey: 'ava', Name: 'Ava', Builtin: true }] }));
    const api = new DemoApi('http://h', fetch);
    expect(await api.listAvatars(credential)).toHaveLength(1);
    const one = fakeFetch(ok({ AvatarKey: 'a b', Avatar: { format: 'dhuman-avatar/1' } }));
    expect(await new DemoApi('http://h', one.fetch).getAvatar(credential, 'a b')).toEqual({
      format: 'dhuman-avatar/1',
    });
    expect(one.seen[0]?.url.pathname).toBe('/dhuman/avatars/a%20b');
    expect(seen).toHaveLength(1);
  });

  it('treats a missing list as empty', async () => {
    const { fetch } = fakeFetch(ok({}));
    expect(await new DemoApi('http://h', fetch).listProjects(credential)).toEqual([]);
  });

  it('turns an error envelope into an IvhError with code and message', async () => {
    const { fetch } = fakeFetch({
      Header: { Code: 100005, Message: 'unauthorised operation: signature mismatch', RequestID: 'r2' },
      Payload: {},
    });
    const error = await new DemoApi('http://h', fetch).listProjects(credential).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IvhError);
    expect(describeError(error)).toBe('Error 100005: unauthorised operation: signature mismatch');
  });

  it('asks for a dev token with an empty JSON body, unsigned', async () => {
    const { fetch, seen } = fakeFetch(ok({ AppKey: 'ak', AccessToken: 'tmp', ExpiresAt: 1_900_000_000 }));
    const token = await new DemoApi('http://h', fetch).devToken();
    expect(token).toEqual({ AppKey: 'ak', AccessToken: 'tmp', ExpiresAt: 1_900_000_000 });
    const { url, init } = seen[0] ?? expect.unreachable();
    expect(url.pathname).toBe('/dhuman/dev/token');
    expect(url.search).toBe('');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('{}');
    expect(init?.headers).toEqual({ 'Content-Type': 'application/json' });
  });

  it('reports a refused dev token with the server’s message', async () => {
    const { fetch } = fakeFetch({
      Header: { Code: 100005, Message: 'unauthorised operation: dev tokens are only given to localhost' },
      Payload: {},
    });
    const error = await new DemoApi('http://h', fetch).devToken().catch((e: unknown) => e);
    expect(describeError(error)).toContain('only given to localhost');
  });

  it('reports an unreachable server and a non-envelope answer as NetworkError', async () => {
    const down: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(new DemoApi('http://h', down).listProjects(credential)).rejects.toBeInstanceOf(NetworkError);
    const html = fakeFetch('<html>', 502);
    await expect(new DemoApi('http://h', html.fetch).listProjects(credential)).rejects.toThrow(
      'HTTP 502 without JSON',
    );
    const odd = fakeFetch({ ok: true });
    await expect(new DemoApi('http://h', odd.fetch).devToken()).rejects.toThrow('no envelope');
  });
});
