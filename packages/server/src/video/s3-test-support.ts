// A local S3-compatible server for tests: the s3rver npm package (Debian packages none). It stores objects in a
// folder and answers the S3 REST API; it does not verify signatures, so a wrong signature still succeeds there.
// Test code only (tsconfig excludes *-test-support.ts from the build).
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** s3rver ships no types; this is the part of its API used here. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`; credentials are S3RVER / S3RVER, path-style addressing. */
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalS3(directory: string, buckets: readonly string[]): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}
