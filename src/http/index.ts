// The http layer's public surface: the Hono app that src/stepwise.ts composes with the ui's routes.
export { createApp, type AppType } from "./app.ts";
export { checkConfig } from "./config.ts";
