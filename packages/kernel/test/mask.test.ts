/**
 * The masker (secrets.md §12 M1–M9): one unit test per form the outside campaign found in the decision log (issue 12,
 * "Secrets"), one per rule, and the properties: the scanner's ten patterns never survive, the pre-check is sound,
 * masking is idempotent and leaves secret-free text alone.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maskAll, maskOutput, maskString, mayNeedMask, secrets } from '@arbiter/kernel';
import { arbAnySecret, arbText } from './arb/secrets.js';

const GHP = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const AKIA = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('masker: the forms of issue 12', () => {
  it('M8+M9 a bare AWS access key id with its secret key', () => {
    const m = maskString(`aws configure set aws_access_key_id ${AKIA} && aws configure set aws_secret_access_key ${AWS_SECRET}`);
    expect(m).not.toContain(AKIA);
    expect(m).not.toContain(AWS_SECRET);
    expect(m).toContain('[REDACTED:aws-access-key]');
    expect(m).toContain('[REDACTED:aws-secret-key]');
    expect(maskString(`echo ${AKIA} ${AWS_SECRET}`)).toBe('echo [REDACTED:aws-access-key] [REDACTED:aws-secret-key]');
  });

  it('M9 a ghp_ token as a plain argument', () => {
    expect(maskString(`gh auth login --hostname github.com ${GHP}`)).toBe('gh auth login --hostname github.com [REDACTED:github-token]');
  });

  it('M7 mysql -pSECRET (glued), and the other programs that take a password inline', () => {
    expect(maskString('mysql -uroot -pHunter2Secret -h db prod')).toBe('mysql -uroot -p*** -h db prod');
    expect(maskString('mysqldump -p"Hunter2 Secret" prod > d.sql')).toBe('mysqldump -p*** prod > d.sql');
    expect(maskString('mysql -p prod')).toBe('mysql -p prod'); // `-p` alone prompts: nothing to mask
    expect(maskString('sshpass -p Hunter2Secret ssh host')).toBe('sshpass -p *** ssh host');
    expect(maskString('curl -u bob:Sup3rS3cret https://h/x')).toBe('curl -u bob:*** https://h/x');
    expect(maskString('curl --user=bob:Sup3rS3cret https://h/x')).toBe('curl --user=bob:*** https://h/x');
    expect(maskString('mkdir -p a/b && cp -pr a b')).toBe('mkdir -p a/b && cp -pr a b');
  });

  it('M5 ?api_key=… in a URL query string', () => {
    expect(maskString('curl "https://api.example.com/v1?api_key=sk-live-abc123&x=1"')).toBe('curl "https://api.example.com/v1?api_key=***&x=1"');
    expect(maskString('wget https://h/x?a=1&token=sk-live-abc123')).toBe('wget https://h/x?a=1&token=***');
  });

  it('M5 --push-option=token=… (a secret pair nested in an option value)', () => {
    expect(maskString(`git push --push-option=token=${GHP} origin main`)).toBe('git push --push-option=token=*** origin main');
    expect(maskString('git push -o token=abc123 origin main')).toBe('git push -o token=*** origin main');
    expect(maskString('deploy --opts=region=eu,secret=abc123')).toBe('deploy --opts=region=eu,secret=***');
  });

  it('M5 --password=… and M6 --password … (option with a separate value)', () => {
    expect(maskString('mysql --password=Hunter2Secret prod')).toBe('mysql --password=*** prod');
    expect(maskString('docker login --username bob --password Hunter2Secret')).toBe('docker login --username bob --password ***');
    expect(maskString('cli --client-secret abc --api-key def --token "a b"')).toBe('cli --client-secret *** --api-key *** --token ***');
    expect(maskString('docker login --password-stdin < f')).toBe('docker login --password-stdin < f');
    expect(maskString('gh auth login --with-token < token.txt')).toBe('gh auth login --with-token < token.txt');
    expect(maskString('tool --no-password origin')).toBe('tool --no-password origin');
  });

  it('M1 user information in URLs', () => {
    expect(maskString('git push https://bob:Sup3rS3cret@example.com/r.git main')).toBe('git push https://bob:***@example.com/r.git main');
    expect(maskString('psql postgres://app:Sup3rS3cret@db/prod')).toBe('psql [REDACTED:connection-string]db/prod');
  });

  it('DL4 forms keep their spelling (M1–M5)', () => {
    expect(maskString('GITHUB_TOKEN=abc123 API_KEY="x y" PATH=/bin make')).toBe('GITHUB_TOKEN=*** API_KEY=*** PATH=/bin make');
    expect(maskString('git -c http.https://x.extraheader=AUTHZ push')).toBe('git -c http.https://x.extraheader=*** push');
    expect(maskString('curl -H "Authorization: Bearer sk-live-1"')).toBe('curl -H "Authorization: ***');
  });

  it('text without a secret is returned as it is', () => {
    for (const s of ['npm test -- --run', 'git push origin main', 'git commit -m "fix: key handling"', 'ls -la /tmp', 'sort --key 2 f']) {
      expect(maskString(s)).toBe(s);
    }
  });
});

describe('masker: hook answers (maskOutput)', () => {
  it('masks the strings of a JSON answer and keeps it valid JSON with its line feed', () => {
    const answer = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'marked delivered by: git push https://bob:Sup3rS3cret@h/r.git' } }) + '\n';
    const out = maskOutput(answer);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out).hookSpecificOutput.additionalContext).toBe('marked delivered by: git push https://bob:***@h/r.git');
    expect(maskOutput('{}\n')).toBe('{}\n');
    expect(maskOutput('{"decision":"block","reason":"plain"}\n')).toBe('{"decision":"block","reason":"plain"}\n');
  });

  it('masks a text answer (stderr block message) and a quote inside a JSON string never breaks the JSON', () => {
    expect(maskOutput(`arbiter: BLOCKED git push ${GHP}\n`)).toBe('arbiter: BLOCKED git push [REDACTED:github-token]\n');
    const tricky = JSON.stringify({ reason: 'TOKEN="abc def" and https://u:p@h' }) + '\n';
    expect(JSON.parse(maskOutput(tricky))).toEqual({ reason: 'TOKEN=*** and https://u:***@h' });
  });
});

describe('masker: properties', () => {
  it('MK-4 no scanner candidate survives masking, in any text', () => {
    fc.assert(
      fc.property(arbText, arbAnySecret, arbText, (a, s, b) => {
        const m = maskString(`${a} ${s.secret} ${b}`);
        expect(secrets.scanForSecrets(m, 'x', []).clean).toBe(true);
        expect(m).not.toContain(s.secret);
      }),
      { numRuns: 1500 },
    );
  });

  it('MK-2 the pre-check is sound: maskString equals maskAll on any text, and skips only text no rule changes', () => {
    const piece = fc.constantFrom('=', ':', '@', '//', 'https', 'Bearer', 'bearer ', 'Authorization', 'TOKEN', 'key', '-c ', '-p', '-u', ' --password ', 'mysql ', 'curl ', 'sshpass ', '?', '&', ',', 'AKIA', AKIA, AWS_SECRET, 'ghp_', ' ', '"', "'", 'x', '/', ';', '\n', 'é', 'secret_access_key');
    const text = fc.oneof(fc.string(), fc.array(piece, { maxLength: 24 }).map((xs) => xs.join('')));
    fc.assert(
      fc.property(text, (s) => {
        expect(maskString(s)).toBe(maskAll(s));
        if (!mayNeedMask(s)) expect(maskAll(s)).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });

  it('MK-3 masking is idempotent', () => {
    const piece = fc.oneof(arbText, arbAnySecret.map((x) => x.secret), fc.constantFrom(' mysql -pX1', ' --token t', ' ?api_key=k', ' https://u:p@h', ` ${AKIA} ${AWS_SECRET}`, ' a=b=token=c'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (xs) => {
        const once = maskString(xs.join(''));
        expect(maskString(once)).toBe(once);
      }),
      { numRuns: 1500 },
    );
  });
});
