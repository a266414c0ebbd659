// What the GPU libraries print when a machine has no usable GPU: Dawn's warnings and their build-machine
// backtraces, the Vulkan loader's and Mesa's complaints, libwayland's XDG_RUNTIME_DIR notice. The doctor says
// in words whether a GPU is used; on the console these lines only alarm.
const gpuLibraryNoise = [
  /^Warning: .*(vulkan|\bvk[A-Z]\w*|VK_ERROR_|Couldn't load)/i,
  /^Warning: loader_\w+:/,
  /^\s+at \S+ \(.*(third_party\/dawn|\/dawn\/src\/).*\)\s*$/,
  /VK_ERROR_[A-Z_]+/,
  /XDG_RUNTIME_DIR/,
  /^MESA-LOADER:/,
  /^WARNING: lavapipe is not a conformant vulkan implementation/i,
];

/** Whether one line of the compute worker's stderr is GPU-library noise rather than a message for the user. */
export function isGpuLibraryNoise(line: string): boolean {
  return gpuLibraryNoise.some((pattern) => pattern.test(line));
}

/**
 * Echoes the compute worker's stderr to the console line by line, leaving out GPU-library noise. A partial
 * line waits for its end (or `flush`), so a noise line split across chunks is still recognised.
 */
export class WorkerErrorEcho {
  private partial = '';
  private afterNoise = false;

  constructor(private readonly write: (text: string) => void) {}

  /** Takes the next chunk of stderr and echoes its complete lines that are not noise. */
  push(chunk: string): void {
    const text = this.partial + chunk;
    const end = text.lastIndexOf('\n');
    this.partial = text.slice(end + 1);
    if (end !== -1) this.echo(text.slice(0, end + 1));
  }

  /** Echoes what is left of an unfinished last line (the process ended). */
  flush(): void {
    const rest = this.partial;
    this.partial = '';
    if (rest !== '') this.echo(rest);
  }

  private echo(text: string): void {
    let kept = '';
    for (const line of text.split(/(?<=\n)/)) {
      const content = line.replace(/\r?\n$/, '');
      // Dawn ends each warning with a blank line.
      const noise = isGpuLibraryNoise(content) || (content.trim() === '' && this.afterNoise);
      this.afterNoise = noise;
      if (!noise) kept += line;
    }
    if (kept !== '') this.write(kept);
  }
}
