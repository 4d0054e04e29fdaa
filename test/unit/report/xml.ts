// A tiny XML reader for the JUnit test: elements, attributes, text, the five
// entities and numeric references. Throws on anything not well-formed.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '<') throw new Error(`raw < in text at ${i}`);
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = s.indexOf(';', i);
    if (end < 0) throw new Error(`unterminated entity at ${i}`);
    const ent = s.slice(i + 1, end);
    if (ent.startsWith('#')) out += String.fromCodePoint(Number(ent.startsWith('#x') ? `0x${ent.slice(2)}` : ent.slice(1)));
    else if (named[ent] !== undefined) out += named[ent];
    else throw new Error(`unknown entity &${ent};`);
    i = end;
  }
  return out;
}

function isNameChar(ch: string): boolean {
  return (
    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '-' || ch === '_' || ch === '.' || ch === ':'
  );
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const top = (): XmlElement => stack[stack.length - 1]!;
  const skipSpace = (): void => {
    while (i < xml.length && ' \t\r\n'.includes(xml[i]!)) i++;
  };
  const readName = (): string => {
    const start = i;
    while (i < xml.length && isNameChar(xml[i]!)) i++;
    if (i === start) throw new Error(`expected a name at ${i}`);
    return xml.slice(start, i);
  };
  while (i < xml.length) {
    if (xml.startsWith('<?', i)) {
      i = xml.indexOf('?>', i) + 2;
      continue;
    }
    if (xml.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (xml[i] !== '>') throw new Error(`bad end tag at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    if (xml[i] === '<') {
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
      for (;;) {
        skipSpace();
        if (xml.startsWith('/>', i)) {
          i += 2;
          top().children.push(el);
          break;
        }
        if (xml[i] === '>') {
          i++;
          top().children.push(el);
          stack.push(el);
          break;
        }
        const key = readName();
        if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`bad attribute ${key} at ${i}`);
        const end = xml.indexOf('"', i + 2);
        const raw = xml.slice(i + 2, end);
        if (raw.includes('<')) throw new Error(`raw < in attribute ${key}`);
        if (key in el.attrs) throw new Error(`duplicate attribute ${key}`);
        el.attrs[key] = decode(raw);
        i = end + 1;
      }
      continue;
    }
    const next = xml.indexOf('<', i);
    const end = next < 0 ? xml.length : next;
    top().text += decode(xml.slice(i, end));
    i = end;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${top().name}>`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('expected one root element');
  return elements[0]!;
}

export function all(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
