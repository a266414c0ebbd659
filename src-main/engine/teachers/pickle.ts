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

/**
 * The unpickler's explicit state: the bytes and the read position, the value stack, the stacks an open MARK
 * set aside (`current` is the one being filled), and the memo. Its readers and stack operations refuse, with
 * the file's name and the byte, anything a well-formed pickle would not do.
 */
class PickleMachine {
  position = 0;
  readonly stack: StackItem[] = [];
  readonly markStack: StackItem[][] = [];
  current: StackItem[] = this.stack;
  readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly hooks: PickleHooks,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new PickleError(`${this.source}: ${message} (at byte ${this.position}).`);
  }

  need(count: number): number {
    if (count < 0 || this.position + count > this.bytes.length) {
      this.fail(`the pickle ends early: ${count} more bytes were expected`);
    }
    const start = this.position;
    this.position += count;
    return start;
  }

  byte(): number {
    return this.bytes[this.need(1)] ?? 0;
  }

  uint16(): number {
    return this.view.getUint16(this.need(2), true);
  }

  uint32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  int32(): number {
    return this.view.getInt32(this.need(4), true);
  }

  uint64(): number {
    const value = this.view.getBigUint64(this.need(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a length is larger than any file');
    return Number(value);
  }

  float64(): number {
    return this.view.getFloat64(this.need(8), false);
  }

  slice(length: number): Uint8Array {
    const start = this.need(length);
    return this.bytes.subarray(start, start + length);
  }

  text(length: number): string {
    const data = this.slice(length);
    try {
      return utf8.decode(data);
    } catch {
      return this.fail('a string is not valid UTF-8');
    }
  }

  /** One newline-terminated line, as GLOBAL writes "module\nname\n". */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) return this.fail('a global name is not terminated');
    const line = latin1.decode(this.bytes.subarray(this.position, end));
    this.position = end + 1;
    return line;
  }

  push(value: PickleValue): void {
    this.current.push(value);
  }

  pop(): PickleValue {
    const value = this.current.pop();
    if (value === undefined) return this.fail('the pickle pops from an empty stack');
    if (value === mark) return this.fail('the pickle pops a mark where a value was expected');
    return value;
  }

  top(): PickleValue {
    const value = this.current[this.current.length - 1];
    if (value === undefined || value === mark) return this.fail('the pickle reads an empty stack');
    return value;
  }

  openMark(): void {
    this.markStack.push(this.current);
    this.current = [];
  }

  popMark(): PickleValue[] {
    const items = this.current;
    const previous = this.markStack.pop();
    if (previous === undefined) return this.fail('the pickle closes a mark it never opened');
    this.current = previous;
    return items.map((item) => (item === mark ? this.fail('a mark inside a marked group') : item));
  }

  global(module: string, name: string): PickleGlobal {
    if (!this.hooks.allowGlobal(module, name)) {
      this.fail(
        `the pickle asks for ${module}.${name}, which is not a tensor or a plain container; ` +
          'it is refused and nothing of it runs',
      );
    }
    return { kind: 'global', module, name };
  }

  call(callee: PickleValue, argumentsValue: PickleValue): PickleValue {
    if (!isGlobal(callee)) return this.fail(`the pickle calls ${describe(callee)}, which is not a callable`);
    if (!isPickleTuple(argumentsValue))
      return this.fail('the pickle calls a global with arguments that are no tuple');
    return this.hooks.reduce(callee, argumentsValue.items);
  }

  setItem(target: PickleValue, key: PickleValue, value: PickleValue): void {
    if (!(target instanceof PickleDict)) {
      this.fail(`the pickle sets an item on ${describe(target)}, which is not a dict`);
    }
    if (typeof key !== 'string' && typeof key !== 'number') {
      this.fail(`the pickle uses ${describe(key)} as a dict key; only strings and integers are read`);
    }
    target.entries.set(key, value);
  }

  /** Sets alternating keys and values, as DICT and SETITEMS list them after a MARK. */
  setItems(target: PickleValue, items: readonly PickleValue[]): void {
    for (let index = 0; index + 1 < items.length; index += 2) {
      this.setItem(target, items[index] ?? null, items[index + 1] ?? null);
    }
  }
}

function toNumber(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** A two's-complement little-endian integer, as LONG1 and LONG4 store it. */
function littleEndianInteger(data: Uint8Array): number | bigint {
  if (data.length === 0) return 0;
  let value = 0n;
  for (let index = data.length - 1; index >= 0; index -= 1) value = (value << 8n) | BigInt(data[index] ?? 0);
  if (((data[data.length - 1] ?? 0) & 0x80) !== 0) value -= 1n << BigInt(8 * data.length);
  return toNumber(value);
}

type OpcodeHandler = (machine: PickleMachine) => void;

/** PROTO and FRAME: the header and the framing of protocols 2 to 5, which carry no value. */
const framingOpcodes: [number, OpcodeHandler][] = [
  [
    0x80, // PROTO
    (machine) => {
      if (machine.byte() > 5) machine.fail('the pickle uses a protocol newer than 5');
    },
  ],
  [
    0x95, // FRAME
    (machine) => {
      machine.uint64();
    },
  ],
];

/** None, booleans, integers and floats. */
const scalarOpcodes: [number, OpcodeHandler][] = [
  [0x4e /* NONE */, (machine) => machine.push(null)],
  [0x88 /* NEWTRUE */, (machine) => machine.push(true)],
  [0x89 /* NEWFALSE */, (machine) => machine.push(false)],
  [0x4a /* BININT */, (machine) => machine.push(machine.int32())],
  [0x4b /* BININT1 */, (machine) => machine.push(machine.byte())],
  [0x4d /* BININT2 */, (machine) => machine.push(machine.uint16())],
  [0x8a /* LONG1 */, (machine) => machine.push(littleEndianInteger(machine.slice(machine.byte())))],
  [0x8b /* LONG4 */, (machine) => machine.push(littleEndianInteger(machine.slice(machine.uint32())))],
  [0x47 /* BINFLOAT */, (machine) => machine.push(machine.float64())],
];

/** Strings (UTF-8, or Latin-1 for Python 2's byte strings) and bytes; a bytearray is read as bytes. */
const textAndBytesOpcodes: [number, OpcodeHandler][] = [
  [0x58 /* BINUNICODE */, (machine) => machine.push(machine.text(machine.uint32()))],
  [0x8c /* SHORT_BINUNICODE */, (machine) => machine.push(machine.text(machine.byte()))],
  [0x8d /* BINUNICODE8 */, (machine) => machine.push(machine.text(machine.uint64()))],
  [0x54 /* BINSTRING */, (machine) => machine.push(latin1.decode(machine.slice(machine.uint32())))],
  [0x55 /* SHORT_BINSTRING */, (machine) => machine.push(latin1.decode(machine.slice(machine.byte())))],
  [0x42 /* BINBYTES */, (machine) => machine.push(machine.slice(machine.uint32()))],
  [0x43 /* SHORT_BINBYTES */, (machine) => machine.push(machine.slice(machine.byte()))],
  [0x8e /* BINBYTES8 */, (machine) => machine.push(machine.slice(machine.uint64()))],
  [0x96 /* BYTEARRAY8 */, (machine) => machine.push(machine.slice(machine.uint64()))],
];

function appendTo(machine: PickleMachine, items: readonly PickleValue[], what: string): void {
  const list = machine.top();
  if (!Array.isArray(list)) machine.fail(`the pickle appends to ${describe(list)}, which is not ${what}`);
  list.push(...items);
}

/** Dicts, lists and tuples, empty or built from the stack; sets and frozensets are kept as lists. */
const containerOpcodes: [number, OpcodeHandler][] = [
  [0x7d /* EMPTY_DICT */, (machine) => machine.push(new PickleDict())],
  [0x5d /* EMPTY_LIST */, (machine) => machine.push([])],
  [0x29 /* EMPTY_TUPLE */, (machine) => machine.push({ kind: 'tuple', items: [] })],
  [0x8f /* EMPTY_SET */, (machine) => machine.push([])],
  [0x74 /* TUPLE */, (machine) => machine.push({ kind: 'tuple', items: machine.popMark() })],
  [0x85 /* TUPLE1 */, (machine) => machine.push({ kind: 'tuple', items: [machine.pop()] })],
  [
    0x86, // TUPLE2
    (machine) => {
      const second = machine.pop();
      machine.push({ kind: 'tuple', items: [machine.pop(), second] });
    },
  ],
  [
    0x87, // TUPLE3
    (machine) => {
      const third = machine.pop();
      const second = machine.pop();
      machine.push({ kind: 'tuple', items: [machine.pop(), second, third] });
    },
  ],
  [0x6c /* LIST */, (machine) => machine.push(machine.popMark())],
  [0x91 /* FROZENSET */, (machine) => machine.push(machine.popMark())],
  [
    0x64, // DICT
    (machine) => {
      const items = machine.popMark();
      const dict = new PickleDict();
      machine.setItems(dict, items);
      machine.push(dict);
    },
  ],
  [
    0x61, // APPEND
    (machine) => {
      const value = machine.pop();
      appendTo(machine, [value], 'a list');
    },
  ],
  [0x65 /* APPENDS */, (machine) => appendTo(machine, machine.popMark(), 'a list or set')],
  [0x90 /* ADDITEMS */, (machine) => appendTo(machine, machine.popMark(), 'a list or set')],
  [
    0x73, // SETITEM
    (machine) => {
      const value = machine.pop();
      const key = machine.pop();
      machine.setItem(machine.top(), key, value);
    },
  ],
  [
    0x75, // SETITEMS
    (machine) => {
      const items = machine.popMark();
      machine.setItems(machine.top(), items);
    },
  ],
];

function memoGet(machine: PickleMachine, key: number): void {
  const value = machine.memo.get(key);
  if (value === undefined) machine.fail(`the pickle reads memo entry ${key}, which was never stored`);
  machine.push(value ?? null);
}

/** The memo: values stored under a number and fetched again where the object is shared. */
const memoOpcodes: [number, OpcodeHandler][] = [
  [0x71 /* BINPUT */, (machine) => machine.memo.set(machine.byte(), machine.top())],
  [0x72 /* LONG_BINPUT */, (machine) => machine.memo.set(machine.uint32(), machine.top())],
  [0x94 /* MEMOIZE */, (machine) => machine.memo.set(machine.memo.size, machine.top())],
  [0x68 /* BINGET */, (machine) => memoGet(machine, machine.byte())],
  [0x6a /* LONG_BINGET */, (machine) => memoGet(machine, machine.uint32())],
];

function callOnStack(machine: PickleMachine): void {
  const argumentsValue = machine.pop();
  machine.push(machine.call(machine.pop(), argumentsValue));
}

/** Globals (only those the caller allows), calls to them, BUILD on dicts, and persistent ids. */
const objectOpcodes: [number, OpcodeHandler][] = [
  [
    0x63, // GLOBAL: "module\nname\n"
    (machine) => {
      const module = machine.line();
      machine.push(machine.global(module, machine.line()));
    },
  ],
  [
    0x93, // STACK_GLOBAL
    (machine: PickleMachine) => {
      const name = machine.pop();
      const module = machine.pop();
      if (typeof module !== 'string' || typeof name !== 'string') {
        machine.fail('a global is named by non-strings');
      }
      machine.push(machine.global(module, name));
    },
  ],
  [0x52 /* REDUCE */, callOnStack],
  [0x81 /* NEWOBJ */, callOnStack],
  [
    0x62, // BUILD: only attribute dicts on dicts (OrderedDict's _metadata) are kept; nothing is called.
    (machine) => {
      const state = machine.pop();
      const target = machine.top();
      if (target instanceof PickleDict && state instanceof PickleDict) {
        for (const [key, value] of state.entries) target.attributes.set(String(key), value);
      } else if (!(target instanceof PickleDict && state === null)) {
        machine.fail(`the pickle sets the state of ${describe(target)}, which only plain dicts may have`);
      }
    },
  ],
  [0x51 /* BINPERSID */, (machine) => machine.push(machine.hooks.persistentLoad(machine.pop()))],
];

/** MARK and the plain stack operations. */
const stackOpcodes: [number, OpcodeHandler][] = [
  [0x28 /* MARK */, (machine) => machine.openMark()],
  [0x30 /* POP */, (machine) => void machine.pop()],
  [0x31 /* POP_MARK */, (machine) => void machine.popMark()],
  [0x32 /* DUP */, (machine) => machine.push(machine.top())],
];

/** Every opcode the reader accepts but STOP; any other is refused by its number. */
const opcodeHandlers = new Map<number, OpcodeHandler>([
  ...framingOpcodes,
  ...scalarOpcodes,
  ...textAndBytesOpcodes,
  ...containerOpcodes,
  ...memoOpcodes,
  ...objectOpcodes,
  ...stackOpcodes,
]);

const STOP = 0x2e;

function stop(machine: PickleMachine): PickleValue {
  if (machine.current !== machine.stack || machine.stack.length !== 1) {
    machine.fail('the pickle stops with an unbalanced stack');
  }
  return machine.pop();
}

function refuseOpcode(machine: PickleMachine, opcode: number, opcodeAt: number): never {
  machine.position = opcodeAt;
  return machine.fail(
    `the pickle uses opcode 0x${opcode.toString(16).padStart(2, '0')}, which a PyTorch state_dict ` +
      'never needs; it is refused',
  );
}

/** Reads one pickle from `bytes` with the caller's allow-list; `source` names the file in errors. */
export function readPickle(bytes: Uint8Array, hooks: PickleHooks, source: string): PickleValue {
  const machine = new PickleMachine(bytes, hooks, source);
  for (;;) {
    const opcodeAt = machine.position;
    const opcode = machine.byte();
    if (opcode === STOP) return stop(machine);
    const handler = opcodeHandlers.get(opcode);
    if (handler === undefined) return refuseOpcode(machine, opcode, opcodeAt);
    handler(machine);
  }
}
