import { attributesOf, noAttributes, type Attributes, type AttributeValue } from '../model/attributes';
import type { Scope } from '../model/span';
import { maxDepth, WireCursor } from './wireCursor';

/**
 * A wire cursor that reads OTLP attributes (common/v1/common.proto: KeyValue, AnyValue,
 * ArrayValue, KeyValueList), for every signal's decoder. Each subclass says how it turns bytes
 * into text (the trace decoder through its caches).
 *
 * Attributes being decoded are kept as a stack of key/value pairs: each message that has
 * attributes notes the depth it started at (`kvCount`), and takes its own pairs off as one object
 * when it ends (nested messages such as events and kvlists push and take theirs in between), so
 * no list is allocated per message.
 */
export abstract class AttributeCursor extends WireCursor {
  /** How many pairs the attribute stack holds: a message notes it before its attributes and takes them back to it. */
  kvCount = 0;
  private readonly kvKeys: string[] = [];
  private readonly kvValues: AttributeValue[] = [];
  // The InstrumentationScope being read; a repeated scope field merges into it, as protobuf
  // merges a repeated message field.
  private scopeName = '';
  private scopeVersion = '';

  /** The UTF-8 text of bytes [start, end) of the current buffer. */
  protected abstract textAt(start: number, end: number): string;

  /** A length-delimited field as UTF-8 text. */
  stringField(end: number, message: string, name: string): string {
    const fieldEnd = this.length(end, message, name);
    const text = this.textAt(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return text;
  }

  /** One KeyValue in [pos, end), pushed on the attribute stack; a missing value is null, as an empty AnyValue. */
  pushKeyValue(end: number, depth: number): void {
    // Fast path for the layout every encoder writes: key (field 1), then value (field 2) to
    // the end, both with one-byte lengths.
    const buf = this.buf;
    const pos = this.pos;
    const keyLength = buf[pos + 1] as number;
    if (buf[pos] === 0x0a && keyLength < 0x80) {
      const keyEnd = pos + 2 + keyLength;
      const valueLength = buf[keyEnd + 1] as number;
      if (keyEnd + 2 <= end && buf[keyEnd] === 0x12 && valueLength < 0x80 && keyEnd + 2 + valueLength === end) {
        const key = this.textAt(pos + 2, keyEnd);
        this.pos = keyEnd + 2;
        const value = this.anyValue(end, depth);
        const at = this.kvCount++;
        this.kvKeys[at] = key;
        this.kvValues[at] = value;
        return;
      }
    }
    const message = 'KeyValue';
    let key = '';
    let value: AttributeValue = null;
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) key = this.stringField(end, message, 'key');
      else if (field === 2) value = this.anyValue(this.length(end, message, 'value'), depth);
      else this.skipField(end, message, depth);
    }
    const at = this.kvCount++;
    this.kvKeys[at] = key;
    this.kvValues[at] = value;
  }

  /** The pairs pushed since `base`, as one object, taken off the stack. */
  takeAttributes(base: number): Attributes {
    const attributes = attributesOf(this.kvKeys, this.kvValues, base, this.kvCount);
    this.kvCount = base;
    return attributes;
  }

  /** An AnyValue in [pos, end); the last variant on the wire wins (oneof), none is null. */
  anyValue(end: number, depth: number): AttributeValue {
    const message = 'AnyValue';
    let value: AttributeValue = null;
    while (this.pos < end) {
      const field = this.tag(end, message);
      switch (field) {
        case 1:
          value = this.stringField(end, message, 'string_value');
          break;
        case 2:
          value = this.uint(end, message, 'bool_value') !== 0;
          break;
        case 3:
          value = this.int64(end, message, 'int_value');
          break;
        case 4:
          value = this.double(end, message, 'double_value');
          break;
        case 5:
        case 6: {
          const fieldEnd = this.length(end, message, field === 5 ? 'array_value' : 'kvlist_value');
          if (depth >= maxDepth) throw this.malformed(`an AnyValue at byte ${this.base + this.tagPos} nests arrays or kvlists more than ${maxDepth} levels deep`);
          value = field === 5 ? this.decodeArray(fieldEnd, depth + 1) : this.decodeKvList(fieldEnd, depth + 1);
          break;
        }
        case 7:
          value = this.bytesField(end, message, 'bytes_value');
          break;
        default:
          this.skipField(end, message, depth);
      }
    }
    return value;
  }

  private decodeArray(end: number, depth: number): AttributeValue[] {
    const message = 'ArrayValue';
    const out: AttributeValue[] = [];
    while (this.pos < end) {
      if (this.tag(end, message) === 1) out.push(this.anyValue(this.length(end, message, 'values'), depth));
      else this.skipField(end, message, depth);
    }
    return out;
  }

  private decodeKvList(end: number, depth: number): Attributes {
    const message = 'KeyValueList';
    const kvBase = this.kvCount;
    while (this.pos < end) {
      if (this.tag(end, message) === 1) this.pushKeyValue(this.length(end, message, 'values'), depth);
      else this.skipField(end, message, depth);
    }
    return this.takeAttributes(kvBase);
  }

  /** One InstrumentationScope {1 name, 2 version, 3 attributes, 4 dropped_attributes_count}: its attributes go onto the stack. */
  readScope(end: number): void {
    const message = 'InstrumentationScope';
    while (this.pos < end) {
      const field = this.tag(end, message);
      if (field === 1) this.scopeName = this.stringField(end, message, 'name');
      else if (field === 2) this.scopeVersion = this.stringField(end, message, 'version');
      else if (field === 3) this.pushKeyValue(this.length(end, message, 'attributes'), 0);
      else if (field === 4) this.uint(end, message, 'dropped_attributes_count');
      else this.skipField(end, message, 0);
    }
  }

  /**
   * The scope read since the stack was at `kvBase`, taken off. As in OTLP JSON, an empty scope
   * (no name, version or attributes), or none at all, is undefined.
   */
  takeScope(kvBase: number): Scope | undefined {
    const name = this.scopeName;
    const version = this.scopeVersion;
    this.scopeName = '';
    this.scopeVersion = '';
    const attributes = this.takeAttributes(kvBase);
    if (name === '' && version === '' && attributes === noAttributes) return undefined;
    return { name, version: version === '' ? undefined : version, attributes };
  }
}
