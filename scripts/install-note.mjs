// After `npm install`: when npm itself ran on a Node older than the packages ask for, say in one line
// why the EBADENGINE warnings above it are harmless here. Every script, test and server runs on the
// Node 24 of the `node` devDependency (npm puts node_modules/.bin first on PATH, so this very script
// runs on it); the machine's Node only ran npm, which copies files and runs no package code itself.
const npmNode = /\bnode\/v(\d+)\.(\d+)/.exec(process.env.npm_config_user_agent ?? "");
if (npmNode !== null) {
  const [major, minor] = [Number(npmNode[1]), Number(npmNode[2])];
  if (major < 22 || (major === 22 && minor < 12)) {
    console.log(
      `Note: the EBADENGINE warnings above are about the Node that runs npm (v${major}.${minor}). They are harmless: npm scripts, tests and the server run on Node ${process.versions.node} from the "node" devDependency.`,
    );
  }
}
