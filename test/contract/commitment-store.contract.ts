/**
 * The ONE contract suite of the `CommitmentStore` port (architecture.md "Ports and adapters"), run against io-memory and
 * io-node by `test/commitment-store.test.ts`. It pins: empty read, round trip of every field, compare-and-set with
 * generations rising by one, concurrent commits with exactly one winner, no lost commitment when writers race
 * through `applyCommitmentEffects`, and corrupt state reported rather than overwritten.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { CommitmentStore } from '@arbiter/kernel';
import { actionClaim as ac } from '@arbiter/kernel';
import { applyCommitmentEffects } from '@arbiter/io-node';

export interface StoreFixture {
  readonly store: CommitmentStore;
  /** Make the newest generation undecodable (as an external tamper would). */
  readonly corrupt: () => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

const NOW = 1_700_000_000_000;

export const record = (topic: string, lemma: ac.Lemma, createdAt = NOW, over: Partial<ac.Commitment> = {}): ac.Commitment => {
  const key = ac.externalKey(topic, lemma);
  return {
    id: ac.commitmentId(key, createdAt), externalKey: key, topic, lemma, span: `I'll ${lemma}`, lastSpan: `I'll ${lemma}`,
    createdAt, expiresAt: createdAt + ac.EXPIRY_MS, restatedAt: createdAt, restatements: 0, status: 'open', closedAt: null, evidence: null, note: null,
    ...over,
  };
};

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

export const commitmentStoreContract = (name: string, make: () => Promise<StoreFixture>): void => {
  describe(`CommitmentStore contract: ${name}`, () => {
    const withStore = async (f: (fx: StoreFixture) => Promise<void>): Promise<void> => {
      const fx = await make();
      try {
        await f(fx);
      } finally {
        await fx.cleanup();
      }
    };

    it('an empty store reads generation 0 with no records', () =>
      withStore(async ({ store }) => {
        expect(unwrap(await store.read()())).toEqual({ generation: 0, commitments: [] });
      }));

    it('commit then read round-trips every field (open, delivered with command evidence, withdrawn, manual evidence)', () =>
      withStore(async ({ store }) => {
        const rs = [
          record('sess-ü 😀', 'push'),
          record('s2', 'merge', NOW + 1, { status: 'delivered', closedAt: NOW + 5, evidence: { kind: 'command', lemma: 'merge', command: 'git merge x', toolUseId: 'toolu_1', at: NOW + 5 } }),
          record('s3', 'fix', NOW + 2, { status: 'withdrawn', closedAt: NOW + 6, note: 'not needed', restatements: 3 }),
          record('s4', 'rerun', NOW + 3, { status: 'delivered', closedAt: NOW + 7, evidence: { kind: 'manual', note: null } }),
        ];
        expect(unwrap(await store.commit(0, rs)())).toEqual({ _tag: 'Committed', generation: 1 });
        expect(unwrap(await store.read()())).toEqual({ generation: 1, commitments: rs });
      }));

    it('compare-and-set: a stale or future expected generation conflicts and changes nothing; generations rise by one', () =>
      withStore(async ({ store }) => {
        const a = [record('s', 'push')];
        const b = [record('s', 'merge')];
        expect(unwrap(await store.commit(0, a)())).toEqual({ _tag: 'Committed', generation: 1 });
        expect(unwrap(await store.commit(0, b)())).toEqual({ _tag: 'Conflict' });
        expect(unwrap(await store.commit(5, b)())._tag).not.toBe('Committed');
        expect(unwrap(await store.read()())).toEqual({ generation: 1, commitments: a });
        expect(unwrap(await store.commit(1, b)())).toEqual({ _tag: 'Committed', generation: 2 });
        expect(unwrap(await store.read()()).generation).toBe(2);
      }));

    it('concurrent commits on one generation: exactly one wins', () =>
      withStore(async ({ store }) => {
        const results = await Promise.all(LEMMAS.map((l) => store.commit(0, [record('s', l)])()));
        expect(results.map(unwrap).filter((r) => r._tag === 'Committed')).toHaveLength(1);
      }));

    it('no commitment lost: racing applyCommitmentEffects creates all land (distinct topics and lemmas)', () =>
      withStore(async ({ store }) => {
        const creates = LEMMAS.flatMap((l, i) => [record(`t${i}`, l), record(`u${i}`, l)]);
        const rs = await Promise.all(creates.map((r) => applyCommitmentEffects(store, [{ _tag: 'CommitmentCreate', record: r }], NOW, { attempts: 64, backoffMs: 5 })));
        expect(rs.every((r) => r._tag === 'Applied')).toBe(true);
        const after = unwrap(await store.read()());
        expect(after.commitments.map((c) => c.id).sort()).toEqual(creates.map((c) => c.id).sort());
      }));

    it('dedupe under races: racing creates for one key leave exactly one active commitment', () =>
      withStore(async ({ store }) => {
        const creates = [0, 1, 2, 3, 4, 5].map((k) => record('s', 'push', NOW + k));
        await Promise.all(creates.map((r) => applyCommitmentEffects(store, [{ _tag: 'CommitmentCreate', record: r }], NOW + 10, { attempts: 64, backoffMs: 5 })));
        const after = unwrap(await store.read()());
        expect(after.commitments.filter((c) => ac.isActive(c, NOW + 10))).toHaveLength(1);
        expect(after.commitments[0]!.restatements).toBe(5);
      }));

    it('effects that change nothing do not write', () =>
      withStore(async ({ store }) => {
        unwrap(await store.commit(0, [record('s', 'push')])());
        const r = await applyCommitmentEffects(store, [{ _tag: 'CommitmentClose', id: 'c-none', status: 'delivered', closedAt: NOW, evidence: null, note: null }], NOW);
        expect(r).toEqual({ _tag: 'Unchanged', generation: 1 });
        expect(unwrap(await store.read()()).generation).toBe(1);
      }));

    it('a corrupt newest generation is reported as Corrupt and applyCommitmentEffects refuses to overwrite it', () =>
      withStore(async ({ store, corrupt }) => {
        unwrap(await store.commit(0, [record('s', 'push')])());
        await corrupt();
        const r = await store.read()();
        expect(E.isLeft(r) && r.left._tag).toBe('Corrupt');
        const a = await applyCommitmentEffects(store, [{ _tag: 'CommitmentCreate', record: record('s', 'merge') }], NOW);
        expect(a._tag).toBe('Failed');
      }));

    it('model: any sequence of applied effects reads back as the kernel applyEffects result', async () => {
      const effArb = fc.oneof(
        fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom(...LEMMAS), fc.integer({ min: 0, max: 5 })).map(([t, l, k]) => ({ _tag: 'CommitmentCreate' as const, record: record(t, l, NOW + k) })),
        fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom(...LEMMAS), fc.integer({ min: 0, max: 5 }), fc.constantFrom('delivered' as const, 'withdrawn' as const)).map(([t, l, k, st]) => ({
          _tag: 'CommitmentClose' as const, id: record(t, l, NOW + k).id, status: st, closedAt: NOW + 20, evidence: null, note: null,
        })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(effArb, { maxLength: 8 }), async (effects) => {
          const fx = await make();
          try {
            let model: ac.Commitment[] = [];
            for (const e of effects) {
              await applyCommitmentEffects(fx.store, [e], NOW + 30);
              model = ac.applyEffects(model, [e], NOW + 30);
            }
            expect(unwrap(await fx.store.read()()).commitments).toEqual(model);
          } finally {
            await fx.cleanup();
          }
        }),
        { numRuns: 25 },
      );
    });
  });
};

const LEMMAS = ac.LEMMAS;
