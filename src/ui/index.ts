// The ui layer's public surface: the pages (landing, console, sign-in, assets) and the chat page's
// routes, which src/stepwise.ts mounts on the app.
export { chatPageRoutes } from "./chat-routes.tsx";
export { uiRoutes, type UiOptions } from "./console-routes.tsx";
