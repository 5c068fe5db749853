/**
 * The shared shell lexer and command walker (`packages/kernel/src/shell/`), in process: the tokens `lex` gives for
 * each rule of push-gate.md §6.2 (X1–X8), and how `walkCommands`, `simpleCommandOf` and `completedCommands` take them
 * apart (push-gate.md §6.3 S1, S3, S4). The push classifier's and the action-claim classifier's own tests see these
 * rules only through their verdicts; here each token's text, flags, substitution bodies and source span are pinned.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMPOUND_PREFIX, DYN, MAX_NESTING, RESERVED, lex, type Token, type Word } from '../src/shell/lexer.js';
import { PIPE_OPS, completedCommands, isAssignment, lastSegment, simpleCommandOf, walkCommands, type CommandPlace } from '../src/shell/walker.js';

/** `DYN` as the tests write it. */
const D = '\u00a7';
const txt = (s: string): string => s.split(DYN).join(D);

/**
 * One token as a line: `w <text> [dyn] [plain] pre=<n> [subs=<json>] @<start>-<end>`, `op <json> @…`,
 * `redir <op> [heredoc <delim> quoted|unquoted strip|keep <json text> subs=<json>] @…`.
 */
const show = (t: Token): string => {
  if (t.kind === 'operator') return `op ${JSON.stringify(t.op)} @${t.start}-${t.end}`;
  if (t.kind === 'redirect') {
    const h = t.heredoc;
    const hd = h === null ? '' : ` heredoc ${h.delim} ${h.quoted ? 'quoted' : 'unquoted'} ${h.strip ? 'strip' : 'keep'} ${JSON.stringify(txt(h.text))} subs=${JSON.stringify(h.subs)}`;
    return `redir ${t.op}${hd} @${t.start}-${t.end}`;
  }
  const w = t.word;
  return `w ${txt(w.text)}${w.dynamic ? ' dyn' : ''}${w.plain ? ' plain' : ''} pre=${w.plainPrefix}${w.subs.length > 0 ? ` subs=${JSON.stringify(w.subs)}` : ''} @${t.start}-${t.end}`;
};
const toks = (src: string, depth = 0): string[] => {
  const r = lex(src, depth);
  expect(r.failed).toBe(false);
  return r.tokens.map(show);
};
/** The word texts of a lex that must succeed. */
const texts = (src: string): string[] =>
  lex(src, 0).tokens.map((t) => {
    if (t.kind !== 'word') throw new Error(`not a word: ${show(t)}`);
    return txt(t.word.text);
  });
const fails = (src: string, depth = 0): string[] => {
  const r = lex(src, depth);
  expect(r.failed).toBe(true);
  return r.tokens.map(show);
};
const firstWord = (src: string): Word => {
  const t = lex(src, 0).tokens[0];
  if (t?.kind !== 'word') throw new Error(`no word first in ${src}`);
  return t.word;
};

describe('shell lexer: words and operators (push-gate.md §6.2 X1)', () => {
  it('X1 unquoted blanks (space, tab, CR, VT, FF) separate words; each word spans its source', () => {
    expect(toks('a b\tc\rd\ve\ff  g')).toEqual([
      'w a plain pre=1 @0-1',
      'w b plain pre=1 @2-3',
      'w c plain pre=1 @4-5',
      'w d plain pre=1 @6-7',
      'w e plain pre=1 @8-9',
      'w f plain pre=1 @10-11',
      'w g plain pre=1 @13-14',
    ]);
    expect(toks('')).toEqual([]);
    expect(toks('   ')).toEqual([]);
  });

  it('X1 every control operator, longest first, with its span', () => {
    expect(toks('a&&b||c;d;;e;&f;;&g&h|i|&j')).toEqual([
      'w a plain pre=1 @0-1',
      'op "&&" @1-3',
      'w b plain pre=1 @3-4',
      'op "||" @4-6',
      'w c plain pre=1 @6-7',
      'op ";" @7-8',
      'w d plain pre=1 @8-9',
      'op ";;" @9-11',
      'w e plain pre=1 @11-12',
      'op ";;" @12-14',
      'w f plain pre=1 @14-15',
      'op ";;" @15-17',
      'w g plain pre=1 @18-19',
      'op "&" @19-20',
      'w h plain pre=1 @20-21',
      'op "|" @21-22',
      'w i plain pre=1 @22-23',
      'op "|&" @23-25',
      'w j plain pre=1 @25-26',
    ]);
    expect(toks('a\nb')).toEqual(['w a plain pre=1 @0-1', 'op "\\n" @1-2', 'w b plain pre=1 @2-3']);
    expect(toks('(a) b')).toEqual(['op "(" @0-1', 'w a plain pre=1 @1-2', 'op ")" @2-3', 'w b plain pre=1 @4-5']);
    expect(toks('a)')).toEqual(['w a plain pre=1 @0-1', 'op ")" @1-2']);
  });

  it('X1 every redirection operator, a descriptor number before it dropped, the target a separate word', () => {
    expect(toks('a&>f b&>>g c>|d 2>>e 3<&0 4<>x <<<s >&2 <f 10>o x2>y')).toEqual([
      'w a plain pre=1 @0-1',
      'redir &> @1-3',
      'w f plain pre=1 @3-4',
      'w b plain pre=1 @5-6',
      'redir &>> @6-9',
      'w g plain pre=1 @9-10',
      'w c plain pre=1 @11-12',
      'redir >| @12-14',
      'w d plain pre=1 @14-15',
      'redir >> @17-19',
      'w e plain pre=1 @19-20',
      'redir <& @22-24',
      'w 0 plain pre=1 @24-25',
      'redir <> @27-29',
      'w x plain pre=1 @29-30',
      'redir <<< @31-34',
      'w s plain pre=1 @34-35',
      'redir >& @36-38',
      'w 2 plain pre=1 @38-39',
      'redir < @40-41',
      'w f plain pre=1 @41-42',
      'redir > @45-46',
      'w o plain pre=1 @46-47',
      'w x2 plain pre=2 @48-50',
      'redir > @50-51',
      'w y plain pre=1 @51-52',
    ]);
    // a quoted or escaped number is a word of its own, not a descriptor
    expect(toks('"2">f \\3>g')).toEqual(['w 2 pre=0 @0-3', 'redir > @3-4', 'w f plain pre=1 @4-5', 'w 3 pre=0 @6-8', 'redir > @8-9', 'w g plain pre=1 @9-10']);
    expect(toks('2x>f')).toEqual(['w 2x plain pre=2 @0-2', 'redir > @2-3', 'w f plain pre=1 @3-4']);
  });

  it('X1 a word runs through characters outside ASCII and through `,` `.` `{` `}` unchanged', () => {
    expect(toks('é,x.y}z{ a.b')).toEqual(['w é,x.y}z{ plain pre=8 @0-8', 'w a.b plain pre=3 @9-12']);
  });
});

describe('shell lexer: quoting and escapes (push-gate.md §6.2 X2, X3)', () => {
  it('X2 a backslash escapes the next character (the word is no longer plain); backslash-newline disappears', () => {
    expect(toks('a\\b \\ c')).toEqual(['w ab pre=1 @0-3', 'w  c pre=0 @4-7']);
    expect(toks('a\\\nb')).toEqual(['w ab plain pre=2 @0-4']);
    expect(toks('a \\\n b')).toEqual(['w a plain pre=1 @0-1', 'w b plain pre=1 @5-6']);
    // a trailing backslash is kept as itself
    expect(toks('a\\')).toEqual(['w a\\ pre=1 @0-2']);
    expect(toks('\\')).toEqual(['w \\ pre=0 @0-1']);
    // an escaped operator or quote is a literal character
    expect(texts('a\\;b \\"c\\\' \\#d \\$e \\(f\\)')).toEqual(['a;b', '"c\'', '#d', '$e', '(f)']);
  });

  it("X3 single quotes are literal: nothing inside them is special; `$'…'` decodes escapes", () => {
    expect(toks("'x y'z 'a$b\\c\"d`e'")).toEqual(['w x yz pre=0 @0-6', 'w a$b\\c"d`e pre=0 @7-18']);
    expect(toks("ab'c'")).toEqual(['w abc pre=2 @0-5']);
    expect(toks("''")).toEqual(['w  pre=0 @0-2']);
    expect(texts("$'a\\n\\t\\r\\a\\b\\e\\E\\f\\v\\\\\\'\\\"\\?'")).toEqual(['a\n\t\r\x07\b\x1b\x1b\f\v\\\'"?']);
  });

  it("X3 `$'…'` hexadecimal, Unicode, octal and control escapes, and unknown escapes kept", () => {
    expect(texts("$'\\x41\\x4a4\\xg\\x'")).toEqual(['AJ4\\xg\\x']);
    expect(texts("$'\\u00e9\\u00E9x\\U0001F600\\U00110000\\u'")).toEqual(['ééx\u{1F600}\ufffd\\u']);
    expect(texts("$'\\U10FFFF'")).toEqual(['\u{10FFFF}']);
    expect(texts("$'\\101\\0\\1234\\7\\08\\400'")).toEqual(['A\x00S4\x07\x008\x00']);
    expect(texts("$'\\cA\\ca\\c\\q\\z'")).toEqual(['\x01\x01\x1cq\\z']);
    expect(texts("$'\\777'")).toEqual(['\xff']);
    expect(texts("$'\\x00\\u0000'")).toEqual(['\x00\x00']);
    // `\u` reads at most 4 hex digits, `\U` at most 8; `\8` is no octal escape
    expect(texts("$'\\u00e9a\\U0001F6001\\8'")).toEqual(['\u00e9a\u{1F600}1\\8']);
  });

  it("X3 `$'…'` and `$\"…\"` are quoting: the word is not plain and its prefix ends there", () => {
    expect(toks("a$'b'c $\"d$e\"")).toEqual(['w abc pre=1 @0-6', `w d${D} dyn pre=0 @7-13`]);
  });
});

describe('shell lexer: double quotes and expansions (push-gate.md §6.2 X4, X5)', () => {
  it('X4 inside double quotes only `\\$`, `\\``, `\\\\`, `\\"` and backslash-newline are escapes', () => {
    expect(toks('"a\\$b\\`c\\\\d\\"e\\q"')).toEqual(['w a$b`c\\d"e\\q pre=0 @0-17']);
    expect(texts('"a\\\nb"')).toEqual(['ab']);
    expect(texts('"a b" "" "x\'y" "#z" "a;b|c&d" "(e)"')).toEqual(['a b', '', "x'y", '#z', 'a;b|c&d', '(e)']);
    expect(toks('x"y"z')).toEqual(['w xyz pre=1 @0-5']);
  });

  it('X4 `$name`, positional and special parameters and `${…}` make the word dynamic; a lone `$` is literal', () => {
    expect(toks('$a1_b-c $_x $1x')).toEqual([`w ${D}-c dyn pre=0 @0-7`, `w ${D} dyn pre=0 @8-11`, `w ${D}x dyn pre=0 @12-15`]);
    expect(texts('$@ $* $# $? $- $$ $! $0 $9')).toEqual(Array(9).fill(D));
    expect(toks('$ x $% a$')).toEqual(['w $ plain pre=1 @0-1', 'w x plain pre=1 @2-3', 'w $% plain pre=2 @4-6', 'w a$ plain pre=2 @7-9']);
    expect(toks('"$ x" "a$"')).toEqual(['w $ x pre=0 @0-5', 'w a$ pre=0 @6-10']);
    expect(toks('"a$b c"')).toEqual([`w a${D} c dyn pre=0 @0-7`]);
    // `$'…'` and `$"…"` are no quoting inside double quotes
    expect(toks('"$\'x\'"')).toEqual(["w $'x' pre=0 @0-6"]);
    expect(toks('x$y')).toEqual([`w x${D} dyn pre=1 @0-3`]);
  });

  it('X4 `${…}` is skipped to its matching brace through quotes, escapes and nested `${`; substitutions inside are kept', () => {
    expect(toks('${a}b ${a${b}} ${a:-"}"} ${x:-$(cmd)} ${y:-`c`}')).toEqual([
      `w ${D}b dyn pre=0 @0-5`,
      `w ${D} dyn pre=0 @6-14`,
      `w ${D} dyn pre=0 @15-24`,
      `w ${D} dyn pre=0 subs=["cmd"] @25-37`,
      `w ${D} dyn pre=0 subs=["c"] @38-47`,
    ]);
    expect(toks("${a:-'}'} ${b:-\\}} ${c:-$((1))}")).toEqual([`w ${D} dyn pre=0 @0-9`, `w ${D} dyn pre=0 @10-18`, `w ${D} dyn pre=0 @19-31`]);
    // a bare `{` inside does not nest (bash ends the expansion at the first `}`)
    expect(toks('${x:-a{b}c}')).toEqual([`w ${D}c} dyn pre=0 @0-11`]);
    expect(toks('${a:-"$(x)"}z')).toEqual([`w ${D}z dyn pre=0 subs=["x"] @0-13`]);
    // the word built around it is kept: text before and after the braces
    expect(texts('pre${a}post')).toEqual([`pre${D}post`]);
  });

  it('X5 `$(…)`, backticks, `<(…)` and `>(…)` keep their bodies and make the word dynamic', () => {
    expect(toks('a>(b) <(c d) "$(e)" `f`')).toEqual([`w a${D} dyn pre=1 subs=["b"] @0-5`, `w ${D} dyn pre=0 subs=["c d"] @6-12`, `w ${D} dyn pre=0 subs=["e"] @13-19`, `w ${D} dyn pre=0 subs=["f"] @20-23`]);
    expect(toks('x$(a)y$(b)')).toEqual([`w x${D}y${D} dyn pre=1 subs=["a","b"] @0-10`]);
    expect(toks('"`a`"')).toEqual([`w ${D} dyn pre=0 subs=["a"] @0-5`]);
  });

  it('X5 a substitution body is matched through nested parentheses, quotes and substitutions', () => {
    expect(toks('echo $(a "b)" c) $(d \')\' e) $(f (g) h) $(i $(j) k)')).toEqual([
      'w echo plain pre=4 @0-4',
      `w ${D} dyn pre=0 subs=["a \\"b)\\" c"] @5-16`,
      `w ${D} dyn pre=0 subs=["d ')' e"] @17-27`,
      `w ${D} dyn pre=0 subs=["f (g) h"] @28-38`,
      `w ${D} dyn pre=0 subs=["i $(j) k"] @39-50`,
    ]);
    // a newline inside a body is part of it (no heredoc pending)
    expect(toks('echo $(a\nb) c')).toEqual(['w echo plain pre=4 @0-4', `w ${D} dyn pre=0 subs=["a\\nb"] @5-11`, 'w c plain pre=1 @12-13']);
  });

  it('X5 backticks unescape `\\``, `\\\\` and `\\$` in their body and keep other escapes', () => {
    expect(toks('`echo \\` \\$ \\\\ \\x`')).toEqual([`w ${D} dyn pre=0 subs=["echo \` $ \\\\ \\\\x"] @0-18`]);
    expect(fails('`a\\`')).toEqual([]);
  });

  it('X5 `$((…))` is arithmetic (dynamic, no body); `$( (…) )` is a substitution starting with a subshell', () => {
    expect(toks('echo $((1+(2))) $( (a) ) $((b) )')).toEqual([
      'w echo plain pre=4 @0-4',
      `w ${D} dyn pre=0 @5-15`,
      `w ${D} dyn pre=0 subs=[" (a) "] @16-24`,
      `w ${D} dyn pre=0 subs=["(b) "] @25-32`,
    ]);
  });

  it('X5 brace expansion makes the word dynamic; braces without `,` or `..` do not', () => {
    expect(toks('{a,b} x{1..3} {a} {a.b} a,b} {}')).toEqual([
      `w ${D}{a,b} dyn plain pre=6 @0-5`,
      `w ${D}x{1..3} dyn plain pre=8 @6-13`,
      'w {a} plain pre=3 @14-17',
      'w {a.b} plain pre=5 @18-23',
      'w a,b} plain pre=4 @24-28',
      'w {} plain pre=2 @29-31',
    ]);
    // the state does not carry from one word to the next
    expect(texts('{a, b}')).toEqual(['{a,', 'b}']);
    expect(texts('{a,b c}')).toEqual(['{a,b', 'c}']);
    // only an unquoted `..` or `,` separates, and only a `}` after one closes
    expect(toks('{$.} {\\..} {a,. {a,b}.')).toEqual(['w {$.} plain pre=4 @0-4', 'w {..} pre=1 @5-10', 'w {a,. plain pre=4 @11-15', `w ${D}{a,b}. dyn plain pre=7 @16-22`]);
  });

  it('X4 the placeholder itself in the input makes a word dynamic (the safe side)', () => {
    expect(toks(`a${DYN}b`)).toEqual([`w a${D}b dyn plain pre=3 @0-3`]);
    expect(toks(`'a${DYN}'`)).toEqual([`w a${D} dyn pre=0 @0-4`]);
    expect(firstWord(`"${DYN}"`).dynamic).toBe(true);
    expect(firstWord(`\\${DYN}`).dynamic).toBe(true);
  });
});

describe('shell lexer: comments, subshells, arithmetic and arrays (push-gate.md §6.2 X5, X6)', () => {
  it('X6 an unquoted `#` starting a word comments out the rest of the line; inside a word it is literal', () => {
    expect(toks('# c\nx #y z#w')).toEqual(['op "\\n" @3-4', 'w x plain pre=1 @4-5']);
    expect(toks('a#b "#" \\# c')).toEqual(['w a#b plain pre=3 @0-3', 'w # pre=0 @4-7', 'w # pre=0 @8-10', 'w c plain pre=1 @11-12']);
    expect(toks('a ;#x\nb')).toEqual(['w a plain pre=1 @0-1', 'op ";" @2-3', 'op "\\n" @5-6', 'w b plain pre=1 @6-7']);
  });

  it('`((…))` in command position is an arithmetic command whose body stays live; otherwise two subshells', () => {
    expect(toks('(( x )) ; (( y ) )')).toEqual(['w (( pre=0 subs=[":  x "] @0-7', 'op ";" @8-9', 'op "(" @10-11', 'op "(" @11-12', 'w y plain pre=1 @13-14', 'op ")" @15-16', 'op ")" @17-18']);
    expect(toks('if ((a)); then ((b)); fi')).toEqual([
      'w if plain pre=2 @0-2',
      'w (( pre=0 subs=[": a"] @3-8',
      'op ";" @8-9',
      'w then plain pre=4 @10-14',
      'w (( pre=0 subs=[": b"] @15-20',
      'op ";" @20-21',
      'w fi plain pre=2 @22-24',
    ]);
    // `((b)` does not close as `))`: two subshells, the outer one unclosed
    expect(toks('((b)')).toEqual(['op "(" @0-1', 'op "(" @1-2', 'w b plain pre=1 @2-3', 'op ")" @3-4']);
    // after an ordinary word, `((` is not in command position
    expect(toks('echo ((a))')).toEqual(['w echo plain pre=4 @0-4', 'op "(" @5-6', 'op "(" @6-7', 'w a plain pre=1 @7-8', 'op ")" @8-9', 'op ")" @9-10']);
    // a quoted reserved word is no reserved word
    expect(toks('"if" ((a))').slice(1, 3)).toEqual(['op "(" @5-6', 'op "(" @6-7']);
    // nor after a redirection
    expect(toks('a((b))')).toEqual(['w a plain pre=1 @0-1', 'op "(" @1-2', 'op "(" @2-3', 'w b plain pre=1 @3-4', 'op ")" @4-5', 'op ")" @5-6']);
    expect(toks('a; ((b))')).toEqual(['w a plain pre=1 @0-1', 'op ";" @1-2', 'w (( pre=0 subs=[": b"] @3-8']);
    expect(toks('a <<E ((b))\nE').slice(1, 4)).toEqual(['redir << heredoc E unquoted keep "" subs=[] @4-5', 'op "(" @6-7', 'op "(" @7-8']);
  });

  it('`name=(…)` is an array assignment: a dynamic word whose elements stay live as a data command; otherwise `(` is an operator', () => {
    expect(toks('arr=(a $(b) c) arr+=(d) "x"=(e) a-b=(f)')).toEqual([
      `w arr=${D} dyn pre=4 subs=[": a $(b) c"] @0-14`,
      `w arr+=${D} dyn pre=5 subs=[": d"] @15-23`,
      'w x= pre=0 @24-28',
      'op "(" @28-29',
      'w e plain pre=1 @29-30',
      'op ")" @30-31',
      'w a-b= plain pre=4 @32-36',
      'op "(" @36-37',
      'w f plain pre=1 @37-38',
      'op ")" @38-39',
    ]);
    expect(toks('x=(a (b) c)')).toEqual([`w x=${D} dyn pre=2 subs=[": a (b) c"] @0-11`]);
    expect(toks('_1=()')).toEqual([`w _1=${D} dyn pre=3 subs=[": "] @0-5`]);
    // the whole word must be `NAME=` or `NAME+=`: `a=b(`, `1a=(` are no array assignments
    expect(toks('a=b(c)')).toEqual(['w a=b plain pre=3 @0-3', 'op "(" @3-4', 'w c plain pre=1 @4-5', 'op ")" @5-6']);
    expect(toks('1a=(x)')).toEqual(['w 1a= plain pre=3 @0-3', 'op "(" @3-4', 'w x plain pre=1 @4-5', 'op ")" @5-6']);
  });
});

describe('shell lexer: heredocs (push-gate.md §6.2 X7)', () => {
  it('X7 an unquoted delimiter: the body is read after the line, its expansions dynamic and its substitutions kept; the newline spans the body', () => {
    expect(toks('cat <<EOF; x\nline $a `b` $(c)\n\\$d \\q\nEOF\ny')).toEqual([
      'w cat plain pre=3 @0-3',
      `redir << heredoc EOF unquoted keep "line ${D} ${D} ${D}\\n$d \\\\q\\n" subs=["b","c"] @6-9`,
      'op ";" @9-10',
      'w x plain pre=1 @11-12',
      'op "\\n" @12-41',
      'w y plain pre=1 @41-42',
    ]);
  });

  it('X7 a quoted delimiter keeps the body literal; `<<-` strips leading tabs of the body and the delimiter line', () => {
    expect(toks("cat <<'EOF'\n$a `b`\nEOF")).toEqual(['w cat plain pre=3 @0-3', 'redir << heredoc EOF quoted keep "$a `b`\\n" subs=[] @6-11', 'op "\\n" @11-22']);
    expect(toks('cat <<-E"O"F\n\t\tbody\n \tx\n\tEOF\nz')).toEqual([
      'w cat plain pre=3 @0-3',
      'redir <<- heredoc EOF quoted strip "body\\n \\tx\\n" subs=[] @7-12',
      'op "\\n" @12-29',
      'w z plain pre=1 @29-30',
    ]);
    // without `-`, tabs are kept and a tab-indented delimiter does not end the body
    expect(toks('cat <<E\n\tb\n\tE\nE')[1]).toBe('redir << heredoc E unquoted keep "\\tb\\n\\tE\\n" subs=[] @6-7');
    expect(toks('cat <<\\E\nx\nE')[1]).toBe('redir << heredoc E quoted keep "x\\n" subs=[] @6-8');
    // in an unquoted body `\"` is no escape (only `\$`, `\``, `\\` and backslash-newline are)
    expect(toks('cat <<E\na\\"b\\\nc\nE')[1]).toBe('redir << heredoc E unquoted keep "a\\\\\\"bc\\n" subs=[] @6-7');
  });

  it('X7 two heredocs on one line are read in order; an unterminated body runs to the end; an empty body is empty', () => {
    expect(toks('a <<A <<B\n1\nA\n2\nB\nc')).toEqual([
      'w a plain pre=1 @0-1',
      'redir << heredoc A unquoted keep "1\\n" subs=[] @4-5',
      'redir << heredoc B unquoted keep "2\\n" subs=[] @8-9',
      'op "\\n" @9-18',
      'w c plain pre=1 @18-19',
    ]);
    expect(toks('cat <<E\nnever\nclosed')).toEqual(['w cat plain pre=3 @0-3', 'redir << heredoc E unquoted keep "never\\nclosed\\n" subs=[] @6-7', 'op "\\n" @7-20']);
    expect(toks('cat <<E\n')[1]).toBe('redir << heredoc E unquoted keep "" subs=[] @6-7');
    expect(toks('cat <<E\nE')[1]).toBe('redir << heredoc E unquoted keep "" subs=[] @6-7');
    expect(toks('cat <<E\n\nE')[1]).toBe('redir << heredoc E unquoted keep "\\n" subs=[] @6-7');
    // a heredoc whose line never ends has no body yet
    expect(toks('cat <<E')).toEqual(['w cat plain pre=3 @0-3', 'redir << heredoc E unquoted keep "" subs=[] @6-7']);
    // a later newline reads no body again
    expect(toks('a <<E\nE\nb\nc').slice(-3)).toEqual(['w b plain pre=1 @8-9', 'op "\\n" @9-10', 'w c plain pre=1 @10-11']);
  });

  it('X7 a heredoc inside a substitution body is found when only its end is sought', () => {
    expect(toks('x=$(cat <<E\n)\nE\n) y')).toEqual([`w x=${D} dyn pre=2 subs=["cat <<E\\n)\\nE\\n"] @0-17`, 'w y plain pre=1 @18-19']);
  });
});

describe('shell lexer: failures (push-gate.md §6.2 X8)', () => {
  it('X8 an unterminated quote, expansion or substitution fails; the tokens read before it are kept', () => {
    expect(fails("a 'b")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a "b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a `b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a ${b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails("a ${b:-'x}")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a ${b:-"x}')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a $(b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a <(b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a $((b)')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a x=(b')).toEqual(['w a plain pre=1 @0-1']);
    expect(fails("a $'b")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails("a $'b\\")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails("a $'\\c'")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails("a $'\\c")).toEqual(['w a plain pre=1 @0-1']);
    expect(fails('a $(b "c)')).toEqual(['w a plain pre=1 @0-1']);
  });

  it(`X8 substitutions nest at most MAX_NESTING (${MAX_NESTING}) levels below the text being lexed`, () => {
    const nest = (k: number, open: (s: string) => string): string => Array.from({ length: k }, () => 0).reduce<string>((s) => open(s), 'x');
    for (const open of [(s: string) => `$(a ${s})`, (s: string) => `<(a ${s})`, (s: string) => `y=(a ${s})`]) {
      expect(lex(`echo ${nest(MAX_NESTING, open)}`, 0).failed).toBe(false);
      expect(lex(`echo ${nest(MAX_NESTING + 1, open)}`, 0).failed).toBe(true);
      expect(lex(`echo ${open('x')}`, MAX_NESTING - 1).failed).toBe(false);
      expect(lex(`echo ${open('x')}`, MAX_NESTING).failed).toBe(true);
      expect(lex('echo x', MAX_NESTING).failed).toBe(false);
    }
    expect(lex('echo `x`', MAX_NESTING - 1).failed).toBe(false);
    expect(fails('echo `x`', MAX_NESTING)).toEqual(['w echo plain pre=4 @0-4']);
    // an unquoted heredoc body is lexed at the same level: its substitution counts one deeper
    expect(lex('cat <<E\n$(x)\nE', MAX_NESTING - 1).failed).toBe(false);
    expect(lex('cat <<E\n$(x)\nE', MAX_NESTING).failed).toBe(true);
  });

  it('X8 lexing is total: any input gives tokens or a failure, never an exception', () => {
    const alphabet = fc.constantFrom(...'ab $(){}[]<>|&;\'"`\\#\n\t-=,.'.split(''), DYN, '((', '))', '<<', '$((', "$'", '${');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.integer({ min: 0, max: MAX_NESTING }), (parts, depth) => {
        const r = lex(parts.join(''), depth);
        expect(typeof r.failed).toBe('boolean');
        for (const t of r.tokens) expect(t.start).toBeLessThanOrEqual(t.end);
      }),
      { numRuns: 300 },
    );
  });
});

describe('shell walker (push-gate.md §6.3 S1, S3, S4)', () => {
  type Seen = { words: string[]; state: number; place: CommandPlace };
  const walk = (src: string): { seen: Seen[]; uncertain: number; unclosed: boolean } => {
    const seen: Seen[] = [];
    let uncertain = 0;
    const { tokens } = lex(src, 0);
    const unclosed = walkCommands(tokens, 0, src.length, {
      command: (ts, state, place) => {
        seen.push({ words: ts.map((t) => (t.kind === 'word' ? txt(t.word.text) : `<${t.op}>`)), state, place });
        return state + 1;
      },
      uncertain: () => {
        uncertain++;
      },
    });
    return { seen, uncertain, unclosed };
  };
  const line = (s: Seen): string => `${s.words.join(' ')} [${s.state}] ${s.place.prev ?? '^'}…${s.place.next ?? '$'} ${s.place.from}-${s.place.to}`;

  it('S1 operators split simple commands; each command gets the operators around it and the span between them', () => {
    const r = walk('a b && c | d; e\nf &');
    expect(r.seen.map(line)).toEqual(['a b [0] ^…&& 0-4', 'c [1] &&…| 6-9', 'd [2] |…; 10-12', 'e [3] ;…\n 13-15', 'f [4] \n…& 16-18']);
    expect(r.uncertain).toBe(0);
    expect(r.unclosed).toBe(false);
    expect(walk('').seen).toEqual([]);
    expect(walk(';;').seen).toEqual([]);
  });

  it('S1 a subshell starts from the state at its `(`; after its `)` the state is the one before it', () => {
    const r = walk('a; (b; c) && d; (e)');
    expect(r.seen.map(line)).toEqual(['a [0] ^…; 0-1', 'b [1] (…; 4-5', 'c [2] ;…) 6-8', 'd [1] &&…; 12-14', 'e [2] (…) 17-18']);
    expect(walk('((a) ; b) ; c').seen.map(line)).toEqual(['a [0] (…) 2-3', 'b [0] ;…) 6-8', 'c [0] ;…$ 11-13']);
    expect(r.unclosed).toBe(false);
  });

  it('S1 an unclosed subshell is reported; an unbalanced `)` (a case pattern) is ignored', () => {
    expect(walk('(a; b').unclosed).toBe(true);
    expect(walk('((a); b').unclosed).toBe(true);
    const r = walk('case x in a) b;; esac');
    expect(r.unclosed).toBe(false);
    expect(r.seen.map(line)).toEqual(['case x in a [0] ^…) 0-11', 'b [1] )…;; 12-14', 'esac [2] ;;…$ 16-21']);
  });

  it('S4 reserved words before a subshell are dropped; `f()` and `word (` make the segment uncertain', () => {
    const r = walk('if true; then (a); fi; ! (b)');
    expect(r.seen.map((s) => s.words.join(' '))).toEqual(['if true', 'a', 'fi', 'b']);
    expect(r.uncertain).toBe(0);
    const f = walk('f() { g; }; h');
    expect(f.uncertain).toBe(1);
    expect(f.seen.map(line)).toEqual(['{ g [0] ^…; 3-7', '} [1] ;…; 8-10', 'h [2] ;…$ 11-13']);
    const w = walk('echo x (y); z');
    expect(w.uncertain).toBe(1);
    expect(w.seen.map(line)).toEqual(['echo x [0] ^…$ 0-7', 'y [1] (…) 8-9', 'z [1] ;…$ 11-13']);
    // `f ()` with a space is also a function header; `f (x)` is not
    expect(walk('f () g').uncertain).toBe(1);
    // `a b()` is no function header but a word before a subshell; a lone redirection before `()` neither
    const ab = walk('a b() c');
    expect([ab.uncertain, ...ab.seen.map(line)]).toEqual([1, 'a b [0] ^…$ 0-3', 'c [1] )…$ 5-7']);
    const rd = walk('> () c');
    expect([rd.uncertain, ...rd.seen.map(line)]).toEqual([1, '<>> [0] ^…$ 0-2', 'c [1] )…$ 4-6']);
    // `f ( (a) )` is a word before a subshell, not `f()`
    const fs = walk('f ( (a) )');
    expect([fs.uncertain, ...fs.seen.map(line)]).toEqual([1, 'f [0] ^…$ 0-2', 'a [1] (…) 5-6']);
    expect(walk('f (x)').seen.map((s) => s.words.join(' '))).toEqual(['f', 'x']);
    // a quoted `then` is an ordinary word: the subshell after it is uncertain
    expect(walk('"then" (a)').uncertain).toBe(1);
    expect(walk('then x (a)').uncertain).toBe(1);
    expect(walk('then if (a)').uncertain).toBe(0);
  });

  it('S3 simpleCommandOf: words in order, redirections and their targets skipped, substitutions of words, targets and heredocs kept', () => {
    const cmd = (src: string) => {
      const sc = simpleCommandOf(lex(src, 0).tokens);
      return { words: sc.words.map((w) => txt(w.text)), subs: sc.subs, stdin: sc.stdin.kind === 'script' ? `script:${txt(sc.stdin.text)}` : sc.stdin.kind };
    };
    expect(cmd('a >f b 2>$(c) d')).toEqual({ words: ['a', 'b', 'd'], subs: ['c'], stdin: 'inherited' });
    expect(cmd('a $(x) <f')).toEqual({ words: ['a', D], subs: ['x'], stdin: 'file' });
    expect(cmd('a <>f')).toEqual({ words: ['a'], subs: [], stdin: 'file' });
    expect(cmd('a <<<"s t"')).toEqual({ words: ['a'], subs: [], stdin: 'script:s t' });
    expect(cmd('a <<<`u`')).toEqual({ words: ['a'], subs: ['u'], stdin: `script:${D}` });
    expect(cmd('a <<E\n$(h) b\nE')).toEqual({ words: ['a'], subs: ['h'], stdin: `script:${D} b\n` });
    // the last stdin redirection wins; an output redirection changes nothing
    expect(cmd('a <f <<<s')).toEqual({ words: ['a'], subs: [], stdin: 'script:s' });
    expect(cmd('a <<<s <f >g')).toEqual({ words: ['a'], subs: [], stdin: 'file' });
    expect(cmd('a <<<s 0<&3')).toEqual({ words: ['a'], subs: [], stdin: 'script:s' });
    // a redirection without a target word (the end of the command) is skipped
    expect(cmd('a >')).toEqual({ words: ['a'], subs: [], stdin: 'inherited' });
    expect(cmd('a <')).toEqual({ words: ['a'], subs: [], stdin: 'inherited' });
  });

  it('X8 completedCommands keeps the tokens up to the last control operator other than `(`', () => {
    const kept = (src: string): string[] => completedCommands(lex(src, 0).tokens).map(show);
    expect(kept("a; b 'c")).toEqual(['w a plain pre=1 @0-1', 'op ";" @1-2']);
    expect(kept('a && (b "c')).toEqual(['w a plain pre=1 @0-1', 'op "&&" @2-4']);
    expect(kept('(a "b')).toEqual([]);
    expect(kept('a')).toEqual([]);
    expect(kept('a;')).toEqual(['w a plain pre=1 @0-1', 'op ";" @1-2']);
    expect(kept('(a) b')).toEqual(['op "(" @0-1', 'w a plain pre=1 @1-2', 'op ")" @2-3']);
  });

  it('S3 isAssignment: NAME= or NAME+= written as unquoted literal text', () => {
    const a = (src: string): boolean => isAssignment(firstWord(src));
    expect(['A=1', 'a_1=', '_x+=y', 'A=$(b)', 'A="x y"', "A='q'", 'a=b=c'].map(a)).toEqual([true, true, true, true, true, true, true]);
    expect(['1A=x', '=x', 'A', 'A-B=x', '"A"=x', 'A\\=x', '$A=x', 'A"="x', 'a+b=c', 'A+x'].map(a)).toEqual(Array(10).fill(false));
  });

  it('lastSegment is the text after the last `/`', () => {
    expect(['git', '/usr/bin/git', 'a/', '/', ''].map(lastSegment)).toEqual(['git', 'git', '', '', '']);
  });

  it('the vocabulary: pipe operators, reserved words and the reserved words that may precede a compound command', () => {
    expect([...PIPE_OPS].sort()).toEqual(['|', '|&']);
    for (const w of COMPOUND_PREFIX) expect(RESERVED.has(w)).toBe(true);
    expect([...RESERVED].filter((w) => !COMPOUND_PREFIX.has(w)).sort()).toEqual(['case', 'done', 'fi', 'for', 'function', 'select', '}']);
  });
});
