// Vite build of the web UI (output: dist/, served by `playground serve` at /)
// and the dev server, which proxies the API to a running playground
// (PLAYGROUND_URL, default http://127.0.0.1:8080). Never points at anything remote.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';

const target = process.env.PLAYGROUND_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': path.resolve(__dirname, 'src') } },
  build: { manifest: true, outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/v1': { target, changeOrigin: true },
      '/openapi.json': { target, changeOrigin: true },
      '/docs': { target, changeOrigin: true },
    },
  },
});
