import { execFileSync } from 'node:child_process';

/**
 * Debian's Python, the independent producer of fixtures and reference figures (torch, torchvision, onnx,
 * scipy, PIL). The product never runs it; the `python3` first on PATH may be another interpreter without
 * those packages.
 */
export const debianPython = '/usr/bin/python3';

/** Runs a Python script file with arguments and returns its standard output; throws with its stderr. */
export function runPythonScript(
  scriptPath: string,
  argumentList: readonly string[] = [],
  options: { readonly timeoutMilliseconds?: number } = {},
): string {
  try {
    return execFileSync(debianPython, [scriptPath, ...argumentList], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: options.timeoutMilliseconds ?? 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${debianPython} ${scriptPath} ${argumentList.join(' ')} failed:\n${stderr}`, {
      cause: error,
    });
  }
}

/** Runs onnx.checker (full check) on an ONNX file; throws with the checker's complaint. */
export function checkOnnxFile(file: string): void {
  execFileSync(debianPython, [
    '-c',
    'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
    file,
  ]);
}
