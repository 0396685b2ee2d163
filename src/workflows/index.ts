// The modules of this deployment's workflows, actions and mutations: each exported definition is
// registered once, here, and an unnamed one is named `${module}.${export}`. Add your modules here.
import * as awaitApproval from "./await-approval.ts";
import * as draftApproval from "./draft-approval.ts";
import * as dynamicRouting from "./dynamic-routing.ts";
import * as followUp from "./follow-up.ts";
import * as notifications from "./notifications.ts";
import * as parallelAgents from "./parallel-agents.ts";
import * as sleepyGreeting from "./sleepy-greeting.ts";
import * as support from "./support.ts";
import * as weatherAdvice from "./weather-advice.ts";

export const modules = { sleepyGreeting, awaitApproval, weatherAdvice, support, parallelAgents, dynamicRouting, draftApproval, followUp, notifications };
