// The console's build. Run by scripts/setup.mjs (buildConsole), which passes the output
// folder; everything the page needs is bundled: no CDN, it works offline.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [vue()],
  build: {
    // Served under a CSP whose script-src is 'self': no inline polyfill.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    emptyOutDir: true,
  },
  logLevel: 'warn',
});
