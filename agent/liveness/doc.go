// Package liveness tells a node whose agent stopped answering from a node that is gone:
// the agent is not the node. systemd restarts a crashed agent after a few seconds, and an
// upgrade stops it for as long; meanwhile the node's pods keep running and serving. If the
// cluster took the membership's "dead" for the node's death, it would move those pods and
// take them out of the Services, and the returning agent would then stop its own healthy
// copies: an agent crash would become a node evacuation.
//
// So the node that leads judges every member:
//
//   - Ready: the membership lists the member alive (its agent answers).
//   - AgentDown: the membership declared it dead, but its workloads answer, or have not
//     been silent for the confirm period yet. Its pods stay where they are, take no new
//     company, and stay in the Services' endpoints.
//   - Lost: its agent is dead and its workloads have not answered for the confirm period
//     (the dead-node grace). Only now do its pods move and its endpoints leave.
//
// Only AgentDown and Lost are written, as node/NAME: a Ready member needs no record (the
// membership says it to every node, and a cluster at rest writes nothing), and members
// that left or were removed have none: they are gone by their own word.
//
// The evidence is asked from the peers' side, as a client would see the node: every round
// (one probe interval), the leader dials, with a TCP connect that waits half an interval,
// the node ports that the member's ready pods publish (its status records: node address
// and host port). An accepted connection proves the workloads alive; a refusal or a
// timeout does not. When its ready pods publish no TCP port, the leader dials the
// member's gossip port instead, where a refusal (RST) proves the machine's kernel alive
// (and with it the pods systemd keeps running), which a timeout does not. A member that
// reports no ready pod at all has nothing that could answer, and nothing serving to
// protect: it is lost once its agent has been dead for the confirm period, as before.
//
// Why the leader, and why only after the membership's verdict: the leader is the one
// that moves pods, so judging there costs no agreement, and the verdict it writes lets
// every node's endpoints and `swarm get nodes` agree with what it does. Probing only the
// members the membership declared dead keeps the timing the self-fencing of the other
// side relies on unchanged: a pod moves no sooner than the failure detector's suspicion
// plus the grace after a cut. A machine that dies stops answering on its ports too, so
// its pods move as soon as before; an agent that died alone moves nothing, however long
// it stays down.
//
// A partition is death on the larger side: the probes across the cut time out there. The
// smaller side's leader, which has no majority, judges the other side lost in the same
// way, but schedules nothing; once the cut heals, the single leader writes its verdicts
// over whatever either side wrote.
package liveness
