import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * Built into app/dist, which the app server serves with `/config.json` and the services under
 * `/api/*`. `npm run dev -w app` proxies those to a running `npm start` network.
 */
const server = process.env.APP_SERVER ?? "http://127.0.0.1:5173";
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // GraphiQL's packages are compiled with React Compiler, whose "use no memo" directives the
      // bundler drops with a warning per file; they only matter before compilation.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: { port: 5174, proxy: { "/api": server, "/config.json": server } },
});
