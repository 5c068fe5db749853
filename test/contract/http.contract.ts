/**
 * The one contract suite of the `Http` port (kernel `ports/http.ts`), run against every adapter by
 * test/http.contract.test.ts. Each adapter is set up to serve the same fixture:
 *   GET  /ok      → 200 `{"ok":true}`                 GET /status → 503 `down`
 *   GET  /slow    → 200 after 400 ms (end of body)     GET /big    → 200 with a 4096-byte body
 *   POST /echo    → 200 with the request body and the Authorization header echoed as JSON
 *   `unreachable` → a base URL where nothing listens
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { Http } from '@arbiter/kernel';

/** A running fixture. */
export interface HttpFixture {
  readonly http: Http;
  readonly base: string;
  readonly unreachable: string;
  readonly close: () => Promise<void>;
}

export const httpContract = (name: string, make: () => Promise<HttpFixture>): void => {
  describe(`Http contract: ${name}`, () => {
    let fx: HttpFixture;
    beforeAll(async () => {
      fx = await make();
    });
    afterAll(async () => {
      await fx.close();
    });
    const get = (path: string, timeoutMs = 2000, maxBodyBytes = 1_048_576) =>
      fx.http.request({ method: 'GET', url: `${fx.base}${path}`, timeoutMs, maxBodyBytes })();

    it('H1 a 2xx answer is a Right with status and body', async () => {
      expect(await get('/ok')).toEqual({ _tag: 'Right', right: { status: 200, body: '{"ok":true}' } });
    });
    it('H2 a non-2xx answer is a Right with its status (the decision maps it)', async () => {
      expect(await get('/status')).toEqual({ _tag: 'Right', right: { status: 503, body: 'down' } });
    });
    it('H3 an answer slower than timeoutMs is a Left Timeout', async () => {
      expect(await get('/slow', 150)).toMatchObject({ _tag: 'Left', left: { _tag: 'Timeout' } });
    });
    it('H4 a body over maxBodyBytes is a Left TooLarge; at the limit it is a Right', async () => {
      expect(await get('/big', 2000, 4095)).toMatchObject({ _tag: 'Left', left: { _tag: 'TooLarge' } });
      expect(await get('/big', 2000, 4096)).toMatchObject({ _tag: 'Right', right: { status: 200 } });
    });
    it('H5 a closed port is a Left Unreachable', async () => {
      const r = await fx.http.request({ method: 'GET', url: `${fx.unreachable}/ok`, timeoutMs: 2000, maxBodyBytes: 1000 })();
      expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'Unreachable' } });
    });
    it('H6 POST sends the body and headers', async () => {
      const r = await fx.http.request({
        method: 'POST',
        url: `${fx.base}/echo`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer t0k' },
        body: '{"x":"\u00e9"}',
        timeoutMs: 2000,
        maxBodyBytes: 10_000,
      })();
      expect(r._tag).toBe('Right');
      if (r._tag === 'Right') expect(JSON.parse(r.right.body)).toEqual({ body: '{"x":"\u00e9"}', authorization: 'Bearer t0k' });
    });
    it('H7 an invalid URL is a Left, never a throw', async () => {
      const r = await fx.http.request({ method: 'GET', url: 'not a url', timeoutMs: 100, maxBodyBytes: 10 })();
      expect(r._tag).toBe('Left');
    });
  });
};
