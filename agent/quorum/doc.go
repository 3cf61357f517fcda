// Package quorum is how a node counts the cluster for the decisions that need a majority:
// the leader places pods only while more than half of the known members are alive, and a
// node that fences itself stops its pods once it has not reached such a majority for a
// while (see the noderuntime package).
//
// Known members are those the membership lists alive or dead, and those a Roster remembers
// from before this node's last start, until they leave, are removed for good, or have not
// been seen alive for ForgetAfter: a node that restarts on the small side of a partition
// must not count only the few members it can see. Alive members are those the membership
// lists alive and that answer a direct ping now (Reach), since the membership keeps a
// member that stopped answering alive until failure detection has run its course.
package quorum
