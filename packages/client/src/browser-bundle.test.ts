import { sign } from '@dhuman/protocol';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startFakeIvhServer, type FakeIvhServer } from '../test/fake-ivh-server.js';
import type { DhumanClient, IvhError } from './index.js';

// The SDK promises to run in browsers. Bundling it for `platform: 'browser'` fails on any Node built-in it (or
// protocol, or zod) pulls in, and running the bundle proves the browser build is not just resolvable but works.
const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const protocolSource = fileURLToPath(new URL('../../protocol/src/index.ts', import.meta.url));
const blendshapesSource = fileURLToPath(new URL('../../protocol/src/blendshapes.ts', import.meta.url));

interface BundledSdk {
  DhumanClient: typeof DhumanClient;
  IvhError: typeof IvhError;
}

let server: FakeIvhServer;
let code: string;
beforeAll(async () => {
  server = await startFakeIvhServer();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    // The subpath needs its own entry: esbuild would otherwise look for it under the index file's path.
    alias: { '@dhuman/protocol': protocolSource, '@dhuman/protocol/blendshapes': blendshapesSource },
  });
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  expect(result.outputFiles).toHaveLength(1);
  code = result.outputFiles[0]?.text ?? '';
}, 30_000);
afterAll(() => server.close());

describe('browser bundle', () => {
  it('bundles protocol and zod in, with no Node built-in import', () => {
    // Matches are reported, not the whole bundle: a failing toMatch would print hundreds of kilobytes.
    const find = (pattern: RegExp) => pattern.exec(code)?.[0] ?? null;
    expect(find(/\bDhumanClient = class\b/)).not.toBeNull();
    expect(find(/\bZodError\b/)).not.toBeNull();
    expect(find(/["']node:[\w/]+["']/)).toBeNull();
    // Nothing is left for a module loader to fetch: every import was bundled in.
    expect(find(/\b(?:from|import)\s*\(?\s*["'][^"']+["']/)).toBeNull();
    expect(find(/\brequire\(\s*["'][^"']+["']/)).toBeNull();
  });

  it('runs: the bundled client makes a signed call and maps an error', async () => {
    const sdk = (await import(
      `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    )) as BundledSdk;
    const client = new sdk.DhumanClient({
      baseUrl: server.baseUrl,
      appkey: 'ak1',
      accesstoken: 'secret-token',
    });

    server.respond = () => ok({ ReqId: 'r', Sessions: [] });
    expect(await client.listSessions()).toEqual({ ReqId: 'r', Sessions: [] });
    const request = server.requests.at(-1);
    expect(request?.path).toBe('/v2/ivh/sessionmanager/sessionmanagerservice/listsessionofuin');
    expect(await sign(request?.query ?? [], 'secret-token')).toBe(request?.query.get('signature'));

    server.respond = () => ({
      json: { Header: { Code: 110018, Message: 'session does not exist: no session m1' }, Payload: {} },
    });
    const error: unknown = await client.statSession('m1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(sdk.IvhError);
    expect(error).toMatchObject({ code: 110018, detail: 'no session m1' });
  });
});
