import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Built into web/dist, which the job service serves at `/` (same origin as the API). */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8789", rewrite: (p) => p.replace(/^\/api/, "") } } },
});
