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
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  server: { port: 5174, proxy: { "/api": server, "/config.json": server } },
});
