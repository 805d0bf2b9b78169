/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

// Tauri loads the dev server at this fixed address (tauri.conf.json `devUrl`).
const DEV_PORT = 5173;

export default defineConfig({
  // svelteTesting: in Vitest only, Svelte's browser build for the component
  // tests (jsdom) and a clean DOM after each test.
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: DEV_PORT,
    strictPort: true,
    host: "localhost",
  },
  build: {
    // The webviews Tauri 2 runs on: WebKitGTK / WKWebView (Safari 15+) and WebView2 (Chromium).
    target: ["es2022", "safari15", "chrome105"],
    outDir: "dist",
    emptyOutDir: true,
    // Keep every asset a file: the CSP allows no inline scripts or data: fonts.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    // Component tests ask for jsdom in their first line; the rest run in Node.
    environment: "node",
    // app.css is read as text by the contrast test (src/lib/contrast.test.ts).
    css: { include: [/app\.css/] },
  },
});
