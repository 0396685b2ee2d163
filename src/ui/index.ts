// The ui layer's public surface: the chat page's routes, which src/stepwise.ts mounts at /chat.
export { chatPageRoutes } from "./chat-routes.ts";
