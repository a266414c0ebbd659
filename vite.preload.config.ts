import { defineConfig } from 'vite';

// A sandboxed preload can require only 'electron' and a few Node built-ins, never a local file: the preload and
// everything it imports from src-shared (zod included) must be one CommonJS file.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'build/preload',
    emptyOutDir: true,
    target: 'chrome140',
    minify: false,
    sourcemap: true,
    lib: {
      entry: 'src-main/preload/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
