package io.jipc.group;

/**
 * A member of a process group as seen at one moment: its rank and its process.
 *
 * @param rank        the member's rank, 0 to size - 1
 * @param pid         the member's process id
 * @param incarnation how many times the rank has been taken, this member included
 */
public record GroupMember(int rank, long pid, int incarnation) {
}
