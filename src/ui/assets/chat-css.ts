// The chat page's stylesheet, served as /chat/assets/chat.css (the page's CSP allows no inline style).

export const CHAT_CSS = String.raw`
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; height: 100vh; display: flex; flex-direction: column; }
header { padding: 10px 16px; background: #fff; border-bottom: 1px solid #ddd; display: flex; gap: 12px; align-items: baseline; }
header h1 { font-size: 16px; margin: 0; }
header code { color: #666; font-size: 12px; }
#status { margin-left: auto; font-size: 12px; color: #666; }
#scroll { flex: 1; overflow-y: auto; padding: 16px; }
ol { list-style: none; margin: 0 auto; padding: 0; max-width: 760px; }
.msg { margin: 8px 0; padding: 10px 12px; border-radius: 10px; background: #fff; border: 1px solid #e3e3e3; white-space: pre-wrap; }
.msg.user { background: #dcecff; border-color: #c4dcfa; margin-left: 15%; }
.msg.tool, .tool { color: #555; font-size: 13px; }
.msg.live[data-state="streaming"] { border-color: #8ab4f8; }
.who { font-size: 11px; text-transform: uppercase; color: #888; margin-bottom: 2px; }
.mark { font-size: 12px; color: #a05a00; margin-top: 4px; }
.stop { margin-top: 6px; font-size: 12px; }
form { display: flex; gap: 8px; padding: 12px 16px; background: #fff; border-top: 1px solid #ddd; }
form input[type=text], form input[type=password] { flex: 1; padding: 8px 10px; font: inherit; border: 1px solid #ccc; border-radius: 8px; }
button { padding: 8px 14px; font: inherit; border-radius: 8px; border: 1px solid #888; background: #fff; cursor: pointer; }
.panel { max-width: 520px; margin: 40px auto; padding: 16px; background: #fff; border: 1px solid #ddd; border-radius: 10px; }
.panel form { padding: 0; border: 0; }
.note { color: #a00; font-size: 13px; }
[hidden] { display: none !important; }
`;
