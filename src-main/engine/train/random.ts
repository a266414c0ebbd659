/** The saved state of a {@link Random}: four unsigned 32-bit words. */
export type RandomState = readonly [number, number, number, number];

/**
 * A small seedable pseudo-random generator (xoshiro128**) whose state can be saved and restored, so a
 * resumed run draws exactly the numbers an uninterrupted one would have.
 */
export class Random {
  private readonly words: Uint32Array;

  /** Seeds the generator; the same seed always gives the same sequence. */
  constructor(seed: number) {
    this.words = new Uint32Array(4);
    // splitmix32 spreads one seed over four words so that nearby seeds give unrelated streams.
    let mixed = seed >>> 0;
    for (let index = 0; index < 4; index += 1) {
      mixed = (mixed + 0x9e3779b9) >>> 0;
      let value = mixed;
      value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
      value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35) >>> 0;
      this.words[index] = (value ^ (value >>> 16)) >>> 0;
    }
    if (this.words.every((word) => word === 0)) this.words[0] = 1;
  }

  /** A generator that continues from a saved state. */
  static fromState(state: RandomState): Random {
    const random = new Random(0);
    random.words.set(state);
    return random;
  }

  /** The current state, to save with a checkpoint. */
  get state(): RandomState {
    return [this.word(0), this.word(1), this.word(2), this.word(3)];
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const words = this.words;
    const s0 = this.word(0);
    const s1 = this.word(1);
    const s2 = this.word(2);
    const s3 = this.word(3);
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    words[2] = s2 ^ s0;
    words[3] = s3 ^ s1;
    words[1] = s1 ^ this.word(2);
    words[0] = s0 ^ this.word(3);
    words[2] = this.word(2) ^ shifted;
    words[3] = (this.word(3) << 11) | (this.word(3) >>> 21);
    return result;
  }

  /** A uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }

  /** A standard normal sample (Box–Muller). */
  nextNormal(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    return radius * Math.cos(2 * Math.PI * this.nextFloat());
  }

  /** Shuffles in place (Fisher–Yates). */
  shuffle(values: Uint32Array): void {
    for (let index = values.length - 1; index > 0; index -= 1) {
      const other = this.nextInt(index + 1);
      const held = values[index] ?? 0;
      values[index] = values[other] ?? 0;
      values[other] = held;
    }
  }

  private word(index: number): number {
    // Index is always 0..3 and the array has length 4.
    return this.words[index] ?? 0;
  }
}
