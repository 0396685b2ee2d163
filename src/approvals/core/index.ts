// The approvals layer's runtime-free entry point: link signing and the deployment's link origin, importable
// in Node (src/http/config.ts checks the signing keys with it). Everything here is also in ../index.ts.
export { DEFAULT_BASE_URL, deploymentOrigin, publicBaseUrl, signedApprovalLink } from "./links.ts";
export { ApprovalClaims, parseSigningKeys, signApprovalToken, verifyApprovalToken, type SigningKeys, type VerifyResult } from "./token.ts";
