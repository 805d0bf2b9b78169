import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, loadTheme } from "./lib/theme";
import "./app.css";

// Before the first paint, so a dark theme never flashes light.
applyTheme(loadTheme());

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
