// Who publishes: the one instance holding the lease ("leader"), the others ("standby"), or core mode's lone instance ("single").

export type Role = "single" | "leader" | "standby";
export const ROLES: readonly Role[] = ["leader", "standby", "single"];

/** What the health endpoint and metrics show about this instance's place in the cluster. */
export interface RoleStatus {
  role: Role;
  instance: string;
  /** The lease holder last seen (JetStream mode), this instance included; null when none is known. */
  leader: string | null;
}
