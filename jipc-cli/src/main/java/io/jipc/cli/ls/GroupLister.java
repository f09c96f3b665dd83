package io.jipc.cli.ls;

import io.jipc.group.GroupDescriptor;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.util.List;

/**
 * Process groups under {@code <jipc root>/group} ({@code group:NAME}): the ranks as capacity, and in
 * the details how many have a live member, and how many are still held by a member that died (no
 * depth: a group holds no messages itself). The users are the live members (they map the file, and their
 * slots name them); a group whose
 * members all died is stale, and so are their inboxes (mailboxes {@code group.NAME.RANK.INCARNATION}
 * for the application's messages and {@code group.NAME.RANK.INCARNATION.parts} for collective operations).
 */
final class GroupLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(JipcRoot.path(GroupDescriptor.DIRECTORY),
                name -> "group:" + name, "group", scan, GroupLister::describe);
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            f.checkHeader(GroupDescriptor.MAGIC, GroupDescriptor.MAJOR_VERSION, "process group");
            int size = f.getInt(GroupDescriptor.SIZE_OFFSET);
            if (size < 1 || size > GroupDescriptor.MAX_SIZE) {
                throw new FileSnapshot.CorruptFileException("a group of " + size + " ranks");
            }
            int dead = 0;
            List<Long> pids = new java.util.ArrayList<>();
            for (int rank = 0; rank < size; rank++) {
                long slot = GroupDescriptor.SLOTS_OFFSET + (long) rank * GroupDescriptor.SLOT_LENGTH;
                long joined = f.getLong(slot + GroupDescriptor.SLOT_JOINED_OFFSET);
                if (joined != 0 && joined == f.getLong(slot + GroupDescriptor.SLOT_OWNER_OFFSET)) {
                    if (ProcessIdentity.isAlive(joined)) {
                        pids.add(ProcessIdentity.pidOf(joined));
                    } else {
                        dead++;
                    }
                }
            }
            return file.row("group", f.creator(), pids, size, -1, "ranks", -1,
                    "JIPC-GRP " + f.version() + ", " + pids.size() + " of " + size + " ranks joined"
                            + (dead == 0 ? "" : ", " + dead + (dead == 1 ? " rank" : " ranks")
                            + " still held by a member that died (free for the next joiner)"));
        }
    }
}
