/**
 * A restricted reader of Python pickles (protocols 2 to 5) for the data.pkl of a PyTorch checkpoint. It builds
 * plain values only: dicts, lists, tuples, strings, numbers, bytes and the few objects the caller allows by
 * their global name (torch's tensor rebuilders, OrderedDict). It never evaluates anything: a GLOBAL or
 * STACK_GLOBAL naming anything else is refused on the spot, with its name.
 */

/** A global a pickle names, once the caller has allowed it. */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** A Python tuple, kept apart from lists so callers can tell them apart. */
export interface PickleTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}

/** What the reader builds. Dicts keep their insertion order and accept string or number keys. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | PickleObject;

/** A Python dict (or OrderedDict): keys are strings or integers. */
export class PickleDict {
  readonly entries = new Map<string | number, PickleValue>();
  /** Attributes a BUILD set on it (an OrderedDict's `_metadata`); never evaluated. */
  readonly attributes = new Map<string, PickleValue>();
}

/** Anything the caller's `reduce` made of an allowed global and its arguments (a tensor, typically). */
export interface PickleObject {
  readonly kind: 'object';
  readonly value: unknown;
}

/** How the caller turns allowed globals into values. */
export interface PickleHooks {
  /** Whether `module.name` may appear; anything else is refused before it is used. */
  readonly allowGlobal: (module: string, name: string) => boolean;
  /** Calls an allowed global with its arguments (REDUCE / NEWOBJ): returns what it builds. */
  readonly reduce: (callee: PickleGlobal, argumentsValue: readonly PickleValue[]) => PickleValue;
  /** Resolves a persistent id (BINPERSID): PyTorch's storage references. */
  readonly persistentLoad: (id: PickleValue) => PickleValue;
}

/** Raised for anything the reader will not build, with what it found and where. */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

const mark = Symbol('mark');
type StackItem = PickleValue | typeof mark;

/** Whether a value is a Python tuple. */
export function isPickleTuple(value: unknown): value is PickleTuple {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tuple';
}

/** Whether a value is an object the caller's reduce made. */
export function isPickleObject(value: unknown): value is PickleObject {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'object';
}

function isGlobal(value: unknown): value is PickleGlobal {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'global';
}

function describe(value: StackItem): string {
  if (value === mark) return 'a mark';
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof PickleDict) return 'a dict';
  if (value instanceof Uint8Array) return 'bytes';
  if (isGlobal(value)) return `${value.module}.${value.name}`;
  if (isPickleTuple(value)) return 'a tuple';
  if (isPickleObject(value)) return 'an object';
  return typeof value;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one pickle from `bytes` with the caller's allow-list; `source` names the file in errors. */
export function readPickle(bytes: Uint8Array, hooks: PickleHooks, source: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();
  let position = 0;
  let current: StackItem[] = stack;

  const fail = (message: string): never => {
    throw new PickleError(`${source}: ${message} (at byte ${position}).`);
  };
  const need = (count: number): number => {
    if (count < 0 || position + count > bytes.length) {
      fail(`the pickle ends early: ${count} more bytes were expected`);
    }
    const start = position;
    position += count;
    return start;
  };
  const byte = (): number => bytes[need(1)] ?? 0;
  const uint16 = (): number => view.getUint16(need(2), true);
  const uint32 = (): number => view.getUint32(need(4), true);
  const int32 = (): number => view.getInt32(need(4), true);
  const uint64 = (): number => {
    const value = view.getBigUint64(need(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length is larger than any file');
    return Number(value);
  };
  const slice = (length: number): Uint8Array => {
    const start = need(length);
    return bytes.subarray(start, start + length);
  };
  const text = (length: number): string => {
    const data = slice(length);
    try {
      return utf8.decode(data);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const pop = (): PickleValue => {
    const value = current.pop();
    if (value === undefined) return fail('the pickle pops from an empty stack');
    if (value === mark) return fail('the pickle pops a mark where a value was expected');
    return value;
  };
  const top = (): PickleValue => {
    const value = current[current.length - 1];
    if (value === undefined || value === mark) return fail('the pickle reads an empty stack');
    return value;
  };
  const popMark = (): PickleValue[] => {
    const items = current;
    const previous = metastack.pop();
    if (previous === undefined) return fail('the pickle closes a mark it never opened');
    current = previous;
    return items.map((item) => (item === mark ? fail('a mark inside a marked group') : item));
  };
  const push = (value: PickleValue): void => {
    current.push(value);
  };
  const global = (module: string, name: string): PickleGlobal => {
    if (!hooks.allowGlobal(module, name)) {
      fail(
        `the pickle asks for ${module}.${name}, which is not a tensor or a plain container; ` +
          'it is refused and nothing of it runs',
      );
    }
    return { kind: 'global', module, name };
  };
  const call = (callee: PickleValue, argumentsValue: PickleValue): PickleValue => {
    if (!isGlobal(callee)) return fail(`the pickle calls ${describe(callee)}, which is not a callable`);
    if (!isPickleTuple(argumentsValue))
      return fail('the pickle calls a global with arguments that are no tuple');
    return hooks.reduce(callee, argumentsValue.items);
  };
  const setItem = (target: PickleValue, key: PickleValue, value: PickleValue): void => {
    if (!(target instanceof PickleDict)) {
      fail(`the pickle sets an item on ${describe(target)}, which is not a dict`);
      return;
    }
    if (typeof key !== 'string' && typeof key !== 'number') {
      fail(`the pickle uses ${describe(key)} as a dict key; only strings and integers are read`);
      return;
    }
    target.entries.set(key, value);
  };
  const toNumber = (value: bigint): number | bigint =>
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  const littleEndianInteger = (data: Uint8Array): number | bigint => {
    if (data.length === 0) return 0;
    let value = 0n;
    for (let index = data.length - 1; index >= 0; index -= 1)
      value = (value << 8n) | BigInt(data[index] ?? 0);
    if (((data[data.length - 1] ?? 0) & 0x80) !== 0) value -= 1n << BigInt(8 * data.length);
    return toNumber(value);
  };

  for (;;) {
    const opcodeAt = position;
    const opcode = byte();
    switch (opcode) {
      case 0x80: // PROTO
        if (byte() > 5) fail('the pickle uses a protocol newer than 5');
        break;
      case 0x95: // FRAME
        uint64();
        break;
      case 0x2e: // STOP
        if (current !== stack || stack.length !== 1) fail('the pickle stops with an unbalanced stack');
        return pop();
      case 0x28: // MARK
        metastack.push(current);
        current = [];
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(int32());
        break;
      case 0x4b: // BININT1
        push(byte());
        break;
      case 0x4d: // BININT2
        push(uint16());
        break;
      case 0x8a: // LONG1
        push(littleEndianInteger(slice(byte())));
        break;
      case 0x8b: // LONG4
        push(littleEndianInteger(slice(uint32())));
        break;
      case 0x47: // BINFLOAT
        push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        push(text(uint32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(byte()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(uint64()));
        break;
      case 0x54: // BINSTRING
        push(latin1.decode(slice(uint32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(slice(byte())));
        break;
      case 0x42: // BINBYTES
        push(slice(uint32()));
        break;
      case 0x43: // SHORT_BINBYTES
        push(slice(byte()));
        break;
      case 0x8e: // BINBYTES8
        push(slice(uint64()));
        break;
      case 0x96: // BYTEARRAY8
        push(slice(uint64()));
        break;
      case 0x7d: // EMPTY_DICT
        push(new PickleDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push({ kind: 'tuple', items: [] });
        break;
      case 0x8f: // EMPTY_SET: kept as a list of its items
        push([]);
        break;
      case 0x74: // TUPLE
        push({ kind: 'tuple', items: popMark() });
        break;
      case 0x85: // TUPLE1
        push({ kind: 'tuple', items: [pop()] });
        break;
      case 0x86: {
        // TUPLE2
        const second = pop();
        push({ kind: 'tuple', items: [pop(), second] });
        break;
      }
      case 0x87: {
        // TUPLE3
        const third = pop();
        const second = pop();
        push({ kind: 'tuple', items: [pop(), second, third] });
        break;
      }
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x91: // FROZENSET
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const dict = new PickleDict();
        for (let index = 0; index + 1 < items.length; index += 2) {
          setItem(dict, items[index] ?? null, items[index + 1] ?? null);
        }
        push(dict);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail(`the pickle appends to ${describe(list)}, which is not a list`);
        (list as PickleValue[]).push(value);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail(`the pickle appends to ${describe(list)}, which is not a list or set`);
        (list as PickleValue[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItem(top(), key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const dict = top();
        for (let index = 0; index + 1 < items.length; index += 2) {
          setItem(dict, items[index] ?? null, items[index + 1] ?? null);
        }
        break;
      }
      case 0x71: // BINPUT
        memo.set(byte(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(uint32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = opcode === 0x68 ? byte() : uint32();
        const value = memo.get(key);
        if (value === undefined) fail(`the pickle reads memo entry ${key}, which was never stored`);
        push(value ?? null);
        break;
      }
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const readLine = (): string => {
          const end = bytes.indexOf(0x0a, position);
          if (end < 0) return fail('a global name is not terminated');
          const line = latin1.decode(bytes.subarray(position, end));
          position = end + 1;
          return line;
        };
        const module = readLine();
        push(global(module, readLine()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail('a global is named by non-strings');
          break;
        }
        push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const argumentsValue = pop();
        push(call(pop(), argumentsValue));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const argumentsValue = pop();
        push(call(pop(), argumentsValue));
        break;
      }
      case 0x62: {
        // BUILD: only attribute dicts on dicts (OrderedDict's _metadata) are kept; nothing is called.
        const state = pop();
        const target = top();
        if (target instanceof PickleDict && state instanceof PickleDict) {
          for (const [key, value] of state.entries) target.attributes.set(String(key), value);
        } else if (!(target instanceof PickleDict && state === null)) {
          fail(`the pickle sets the state of ${describe(target)}, which only plain dicts may have`);
        }
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      default:
        position = opcodeAt;
        fail(
          `the pickle uses opcode 0x${opcode.toString(16).padStart(2, '0')}, which a PyTorch state_dict ` +
            'never needs; it is refused',
        );
    }
  }
}
