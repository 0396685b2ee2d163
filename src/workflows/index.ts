// The workflows this deployment runs. Add yours here.
import { awaitApproval } from "./await-approval.ts";
import { sleepyGreeting } from "./sleepy-greeting.ts";

export const workflows = [sleepyGreeting, awaitApproval];
