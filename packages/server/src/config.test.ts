import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, STREAMS_PER_CORE } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      signatureWindowSec: 300,
      maxSessionsPerAppkey: 20,
      sessionIdleTimeoutMs: 600_000,
      corsOrigins: '*',
      credential: undefined,
    });
    expect(c.dataDir).toMatch(/\/data$/);
  });

  it('lets flags win over the environment', () => {
    expect(loadConfig({ DHUMAN_PORT: '9000' }, { port: '9001' }).port).toBe(9001);
    expect(loadConfig({ DHUMAN_PORT: '9000' }).port).toBe(9000);
  });

  it.each([
    [{ DHUMAN_PORT: '70000' }, /--port or DHUMAN_PORT/],
    [{ DHUMAN_PORT: 'abc' }, /DHUMAN_PORT/],
    [{ DHUMAN_LOG_LEVEL: 'loud' }, /--log-level or DHUMAN_LOG_LEVEL/],
    [{ DHUMAN_APPKEY: 'onlytheappkey' }, /DHUMAN_APPKEY and DHUMAN_ACCESSTOKEN/],
    [{ DHUMAN_APPKEY: 'bad key!', DHUMAN_ACCESSTOKEN: 'goodtoken1' }, /DHUMAN_APPKEY/],
    [{ DHUMAN_TLS_CERT: '/x.pem' }, /--tls-cert and --tls-key/],
    [{ DHUMAN_PUBLIC_URL: 'ftp://x' }, /DHUMAN_PUBLIC_URL/],
    [{ DHUMAN_SIGNATURE_WINDOW_SEC: '0' }, /DHUMAN_SIGNATURE_WINDOW_SEC/],
    [{ DHUMAN_DEV_TOKENS: 'yes' }, /DHUMAN_DEV_TOKENS: use 1 \(on\) or 0 \(off\)/],
    [{ DHUMAN_DEV_TOKEN_TTL_SEC: '0' }, /DHUMAN_DEV_TOKEN_TTL_SEC/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('serves the repository’s built page and issues one-hour dev tokens unless told otherwise', () => {
    const c = loadConfig({});
    expect(c.webDir).toMatch(/\/apps\/web\/dist$/);
    expect(c).toMatchObject({ devTokens: true, devTokenTtlMs: 3_600_000 });
    const off = loadConfig({
      DHUMAN_DEV_TOKENS: '0',
      DHUMAN_WEB_DIR: 'site',
      DHUMAN_DEV_TOKEN_TTL_SEC: '60',
    });
    expect(off).toMatchObject({ devTokens: false, devTokenTtlMs: 60_000 });
    expect(off.webDir).toMatch(/^\/.*\/site$/);
  });

  it('parses a CORS origin list and a public URL', () => {
    const c = loadConfig({
      DHUMAN_CORS_ORIGINS: 'https://a.example, https://b.example',
      DHUMAN_PUBLIC_URL: 'https://h.example/',
    });
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.publicUrl).toBe('https://h.example');
  });
});

describe('loadConfig: live streams', () => {
  it('defaults to the measured 1.25 streams per core, a 15 s linger, RTMP on 1935, no ICE servers', () => {
    expect(loadConfig({}).stream).toStrictEqual({
      capacity: Math.max(1, availableParallelism() * STREAMS_PER_CORE),
      lingerMs: 15_000,
      iceServers: [],
      icePortRange: undefined,
      rtmpUrl: undefined,
      rtmpPort: 1935,
    });
    expect(STREAMS_PER_CORE).toBe(1.25);
  });

  it('reads every stream variable', () => {
    const c = loadConfig({
      DHUMAN_STREAM_CAPACITY: '6',
      DHUMAN_STREAM_LINGER_SEC: '0',
      DHUMAN_ICE_SERVERS: 'stun:stun.example.com:3478',
      DHUMAN_ICE_PORT_RANGE: '40000-40199',
      DHUMAN_RTMP_URL: 'rtmp://media.example.com/live',
      DHUMAN_RTMP_PORT: '0',
    });
    expect(c.stream).toStrictEqual({
      capacity: 6,
      lingerMs: 0,
      iceServers: [{ urls: 'stun:stun.example.com:3478' }],
      icePortRange: [40000, 40199],
      rtmpUrl: 'rtmp://media.example.com/live',
      rtmpPort: 0,
    });
  });

  it('takes TURN credentials from the JSON form of DHUMAN_ICE_SERVERS', () => {
    const c = loadConfig({
      DHUMAN_ICE_SERVERS: '[{"urls":"turn:turn.example.com:3478","username":"u","credential":"p"}]',
    });
    expect(c.stream.iceServers).toStrictEqual([
      { urls: 'turn:turn.example.com:3478', username: 'u', credential: 'p' },
    ]);
  });

  it('turns the embedded RTMP server off with DHUMAN_RTMP_PORT=off', () => {
    expect(loadConfig({ DHUMAN_RTMP_PORT: 'off' }).stream.rtmpPort).toBeUndefined();
  });

  it('takes an empty variable as unset', () => {
    const c = loadConfig({ DHUMAN_STREAM_LINGER_SEC: '', DHUMAN_RTMP_PORT: '', DHUMAN_ICE_SERVERS: '' });
    expect(c.stream).toMatchObject({ lingerMs: 15_000, rtmpPort: 1935, iceServers: [] });
  });

  it('accepts the widest ICE port range and a capacity of 0', () => {
    expect(loadConfig({ DHUMAN_ICE_PORT_RANGE: '1024-65535' }).stream.icePortRange).toEqual([1024, 65535]);
    expect(loadConfig({ DHUMAN_STREAM_CAPACITY: '0' }).stream.capacity).toBe(0);
    expect(loadConfig({ DHUMAN_STREAM_CAPACITY: '2.5' }).stream.capacity).toBe(2.5);
  });

  it('reads the dialogue and speech recognition variables; pocketsphinx is the default recogniser', () => {
    const defaults = loadConfig({});
    expect(defaults.llm).toEqual({
      url: undefined,
      model: undefined,
      apiKey: undefined,
      systemPrompt: undefined,
      timeoutMs: 30_000,
    });
    expect(defaults.asr).toMatchObject({ engine: 'pocketsphinx', language: 'en-US' });
    expect(defaults.asr.maxChannels).toBeGreaterThanOrEqual(2);
    const set = loadConfig({
      DHUMAN_LLM_URL: 'http://127.0.0.1:11434/v1',
      DHUMAN_LLM_MODEL: 'qwen2.5',
      DHUMAN_LLM_KEY: 'sk-x',
      DHUMAN_LLM_SYSTEM_PROMPT: 'Be brief.',
      DHUMAN_LLM_TIMEOUT_SEC: '5',
      DHUMAN_ASR: 'openai',
      DHUMAN_ASR_URL: 'http://127.0.0.1:9000/v1',
      DHUMAN_ASR_MODEL: 'whisper-1',
      DHUMAN_ASR_LANGUAGE: 'zh-CN',
      DHUMAN_VOICE_CHANNELS: '3',
    });
    expect(set.llm).toEqual({
      url: 'http://127.0.0.1:11434/v1',
      model: 'qwen2.5',
      apiKey: 'sk-x',
      systemPrompt: 'Be brief.',
      timeoutMs: 5000,
    });
    expect(set.asr).toEqual({
      engine: 'openai',
      url: 'http://127.0.0.1:9000/v1',
      model: 'whisper-1',
      apiKey: undefined,
      language: 'zh-CN',
      maxChannels: 3,
    });
  });

  it.each([
    [{ DHUMAN_LLM_URL: 'ftp://x/v1' }, /DHUMAN_LLM_URL/],
    [{ DHUMAN_LLM_TIMEOUT_SEC: '0' }, /DHUMAN_LLM_TIMEOUT_SEC/],
    [{ DHUMAN_ASR: 'whisper' }, /DHUMAN_ASR/],
    [{ DHUMAN_ASR: 'openai' }, /DHUMAN_ASR=openai needs DHUMAN_ASR_URL and DHUMAN_ASR_MODEL/],
    [{ DHUMAN_ASR_LANGUAGE: 'english' }, /DHUMAN_ASR_LANGUAGE: use a BCP 47 tag/],
    [{ DHUMAN_STREAM_CAPACITY: '-1' }, /DHUMAN_STREAM_CAPACITY/],
    [{ DHUMAN_STREAM_CAPACITY: 'many' }, /DHUMAN_STREAM_CAPACITY/],
    [{ DHUMAN_STREAM_LINGER_SEC: '3601' }, /DHUMAN_STREAM_LINGER_SEC/],
    [{ DHUMAN_STREAM_LINGER_SEC: '-1' }, /DHUMAN_STREAM_LINGER_SEC/],
    [{ DHUMAN_ICE_PORT_RANGE: '40199-40000' }, /DHUMAN_ICE_PORT_RANGE: use MIN-MAX with 1024 <= MIN < MAX/],
    [{ DHUMAN_ICE_PORT_RANGE: '40000-40000' }, /DHUMAN_ICE_PORT_RANGE/],
    [{ DHUMAN_ICE_PORT_RANGE: '80-1080' }, /DHUMAN_ICE_PORT_RANGE/],
    [{ DHUMAN_ICE_PORT_RANGE: '40000-70000' }, /DHUMAN_ICE_PORT_RANGE/],
    [{ DHUMAN_ICE_PORT_RANGE: '40000' }, /DHUMAN_ICE_PORT_RANGE: use MIN-MAX, e.g. 40000-40199/],
    [{ DHUMAN_ICE_PORT_RANGE: '40000:40199' }, /DHUMAN_ICE_PORT_RANGE/],
    [
      { DHUMAN_ICE_SERVERS: 'turn:turn.example.com' },
      /DHUMAN_ICE_SERVERS: .*needs a username and credential/,
    ],
    [{ DHUMAN_ICE_SERVERS: 'https://stun.example.com' }, /DHUMAN_ICE_SERVERS: .*is not a stun:/],
    [{ DHUMAN_ICE_SERVERS: '[{"urls":' }, /DHUMAN_ICE_SERVERS: not valid JSON/],
    [{ DHUMAN_RTMP_URL: 'http://media.example.com/live' }, /DHUMAN_RTMP_URL: must be an rtmp:\/\//],
    [{ DHUMAN_RTMP_URL: 'rtmp://media.example.com' }, /DHUMAN_RTMP_URL/],
    [{ DHUMAN_RTMP_URL: 'rtmp://media.example.com/live x' }, /DHUMAN_RTMP_URL/],
    [{ DHUMAN_RTMP_URL: "rtmp://media.example.com/live'|x" }, /DHUMAN_RTMP_URL/],
    [{ DHUMAN_RTMP_PORT: '70000' }, /DHUMAN_RTMP_PORT/],
    [{ DHUMAN_RTMP_PORT: 'no' }, /DHUMAN_RTMP_PORT/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
