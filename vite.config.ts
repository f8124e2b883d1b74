import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The renderer: React 19 built into dist/renderer, loaded by Electron from app:// (hence base './'). */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: { host: '127.0.0.1', strictPort: false },
  preview: { host: '127.0.0.1' },
});
