/**
 * Who runs ingest. With the memory bus an instance is alone and leads itself; on Redis a lease
 * decides (src/scale/leader-election.ts), and only the lease holder ingests.
 */
export interface Leadership {
  /** This instance: host + pid + random. */
  readonly instanceId: string;
  isLeader(): boolean;
  /** The instance holding the lease, when known (itself when it leads). */
  leaderId(): string | undefined;
  /** When this instance last became leader (ms), or undefined while it follows. */
  leaderSince(): number | undefined;
  /** Called on every change of `isLeader()`. Returns the function that stops listening. */
  onChange(listener: (isLeader: boolean) => void): () => void;
}

/** An instance that is alone: always the leader (DESIGN.md: "a lone instance is its own leader"). */
export function loneLeader(instanceId: string, since: number = Date.now()): Leadership {
  return {
    instanceId,
    isLeader: () => true,
    leaderId: () => instanceId,
    leaderSince: () => since,
    onChange: () => () => undefined,
  };
}
