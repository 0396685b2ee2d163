export { WorkflowRun } from "../src/index";
import { DurableObject } from "cloudflare:workers";
export class Probe extends DurableObject {
  hit(k: string) { return 1; }
}
export default { fetch() { return new Response("x"); } };
