// Shell text of the exporter: quoting, variable references, here-documents.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { commandText, hereDoc, varRef, word } from '../../../harness/export/shell.js';

/** What bash prints for `text` with NS_a=ns-1 set. */
function bashEcho(text: string): string {
  return execFileSync('bash', ['-c', `NS_a=ns-1; ${text}`], { encoding: 'utf8' });
}

describe('export shell text', () => {
  test('a word with a variable reference expands it, and nothing else', () => {
    const w = word(`a$b"c\`${varRef('NS_a')}`);
    assert.equal(bashEcho(`printf '%s' ${w}`), 'a$b"c`ns-1');
  });

  test('a plain word is quoted as lib/concurrent.ts quotes it', () => {
    assert.equal(word('198.18.1.1'), '198.18.1.1');
    assert.equal(bashEcho(`printf '%s' ${word("it's $HOME")}`), "it's $HOME");
  });

  test('a here-document expands only the references', () => {
    const doc = hereDoc(`netns add ${varRef('NS_a')}\nx $y \`z\`\n`);
    assert.equal(doc.redirect, '<<EOF');
    assert.equal(bashEcho(`cat ${doc.redirect}\n${doc.body}`), 'netns add ns-1\nx $y `z`\n');
    assert.equal(hereDoc('plain\n').redirect, "<<'EOF'");
  });

  test('a command that may fail keeps its here-document on its own line', () => {
    const t = commandText({ argv: ['cat'], input: 'hello\n', mayFail: true });
    assert.equal(t, "cat <<'EOF' 2>/dev/null || true\nhello\nEOF");
    assert.equal(bashEcho(t), 'hello\n');
  });

  test('a command inside a namespace goes through ip netns exec', () => {
    assert.equal(commandText({ argv: ['nft', '-f', '-'], netns: varRef('NS_a') }), 'ip netns exec "${NS_a}" nft -f -');
  });
});
