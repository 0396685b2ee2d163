// The approvals layer: `requestApproval(step, ...)` for workflows, and the signed links it mails. The HTTP
// pages that decide a link are the http layer's (src/http/approvals/), built on this entry point.
export {
  APPROVAL_LABEL,
  APPROVAL_REQUEST_STEPS,
  ApprovalDecision,
  ApprovalRequest,
  mailApprovalLink,
  REQUEST_APPROVAL_STEP,
  REQUEST_TOOL_APPROVAL_STEP,
  requestApproval,
  sendApprovalRequest,
} from "./request.ts";
export { approvalOnceKey, findApprovalWait, sendDecision, type ApprovalWait, type DecisionRefusal } from "./decide.ts";
export {
  ApprovalClaims,
  DEFAULT_BASE_URL,
  deploymentOrigin,
  parseSigningKeys,
  publicBaseUrl,
  signApprovalToken,
  signedApprovalLink,
  verifyApprovalToken,
  type SigningKeys,
  type VerifyResult,
} from "./core/index.ts";
