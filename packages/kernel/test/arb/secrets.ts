/** Shared secret arbitraries (convoy.md §8 `arbSecret(pattern)`): a valid secret for each pattern of secrets.md §2. */
import fc from 'fast-check';
import { secrets } from '@arbiter/kernel';

type PatternName = secrets.PatternName;

const chars = (alphabet: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: min, maxLength: max });
const UPPER_DIGIT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomCase = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((flips) => word.split('').map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
const keyword = (...words: string[]) => fc.constantFrom(...words).chain(randomCase);
const spaces = chars(' \t', 0, 2);
const assign = fc.tuple(spaces, fc.constantFrom('=', ':'), spaces, fc.constantFrom('', '"', "'")).map((p) => p.join(''));

export const arbSecret = (p: PatternName): fc.Arbitrary<string> => {
  switch (p) {
    case 'aws-access-key':
      return fc.tuple(randomCase('akia'), chars(UPPER_DIGIT, 16, 16)).map(([k, v]) => k + v);
    case 'aws-secret-key':
      return fc.tuple(keyword('aws_secret_access_key', 'secret_key'), assign, chars(ALNUM + '/+=', 40, 40)).map((x) => x.join(''));
    case 'generic-api-key':
      return fc.tuple(keyword('api_key', 'api-key', 'apikey'), assign, chars(ALNUM + '_-', 20, 30)).map((x) => x.join(''));
    case 'bearer-token':
      return fc.tuple(randomCase('bearer'), chars(' \t', 1, 3), chars(ALNUM + '-._~+/', 20, 40), chars('=', 0, 2)).map((x) => x.join(''));
    case 'private-key':
      return fc.constantFrom('', 'RSA ', 'EC ', 'DSA ', 'OPENSSH ', 'ENCRYPTED ').map((k) => `-----BEGIN ${k}PRIVATE KEY-----`);
    case 'connection-string':
      return fc
        .tuple(keyword('postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss'), chars(ALNUM + '._-', 1, 8), chars(ALNUM + '!#$%:/._-', 1, 12))
        .map(([s, u, pw]) => `${s}://${u}:${pw}@`);
    case 'github-token':
      return fc.oneof(
        fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), chars(ALNUM + '_', 36, 44)).map((x) => x.join('')),
        chars(ALNUM + '_', 22, 30).map((v) => `github_pat_${v}`),
      );
    case 'generic-password':
      return fc.tuple(keyword('password', 'passwd', 'pwd'), assign, chars(ALNUM + '!#$%&*()[]{}<>.,;:/-_', 8, 16)).map((x) => x.join(''));
    case 'slack-token':
      return fc.tuple(randomCase('xox'), fc.constantFrom('b', 'p', 'r', 's', 'B', 'P'), chars(ALNUM + '-', 10, 20)).map(([a, b, v]) => `${a}${b}-${v}`);
    case 'generic-secret':
      return fc.tuple(keyword('secret', 'token', 'credential'), assign, chars(ALNUM + '_-', 16, 24)).map((x) => x.join(''));
  }
};

export const arbAnySecret = fc.constantFrom(...secrets.PATTERN_NAMES).chain((p) => arbSecret(p).map((s) => ({ pattern: p, secret: s })));

/** Arbitrary text: full Unicode, with newlines and carriage returns now and then. */
export const arbText = fc.string({ unit: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...'abc XYZ09=:_-./"\''.split('')) }, { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\t') }), maxLength: 40 });

/** A line (no newline) mixing noise and secrets. */
export const arbLine = fc
  .array(fc.oneof(arbText.map((s) => s.replace(/[\r\n]/g, ' ')), arbAnySecret.map((x) => x.secret)), { maxLength: 5 })
  .map((parts) => parts.join(' '));
