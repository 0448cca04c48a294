import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard: built into dist/dashboard, which the gateway serves at `/` (no dev server at run time).
export default defineConfig({
  root: 'dashboard',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  logLevel: 'warn',
});
