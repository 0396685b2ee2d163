// The workflows this deployment runs. Add yours here.
import { awaitApproval } from "./await-approval.ts";
import { draftApproval } from "./draft-approval.ts";
import { dynamicRouting } from "./dynamic-routing.ts";
import { followUp } from "./follow-up.ts";
import { parallelAgents } from "./parallel-agents.ts";
import { sleepyGreeting } from "./sleepy-greeting.ts";
import { support, supportStructured } from "./support.ts";
import { weatherAdvice } from "./weather-advice.ts";

export const workflows = [sleepyGreeting, awaitApproval, weatherAdvice, support, supportStructured, parallelAgents, dynamicRouting, draftApproval, followUp];
