package io.jipc.cli.ls;

import io.jipc.group.GroupDescriptor;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Process groups under {@code <jipc root>/group} ({@code group:NAME}): the ranks as capacity, and in
 * the details how many have a live member, and how many are still held by a member that died (no
 * depth: a group holds no messages itself). The users are the live members (they map the file, and their
 * slots name them); a group whose
 * members all died is stale, and so are their inboxes (mailboxes {@code group.NAME.RANK.INCARNATION}
 * for the application's messages and {@code group.NAME.RANK.INCARNATION.parts} for collective operations).
 * An inbox a joiner died creating, of a group that is gone or stale, is stale too
 * ({@link #withAbandonedInboxes}), and so is a group file whose creator died creating it
 * ({@link #withAbandonedGroupFiles}).
 */
final class GroupLister implements Lister {
    /**
     * How long an opener waits for the creator of a jipc file to publish it (the mailboxes' ready
     * timeout, architecture.md): a file still unpublished after that, with no creator recorded, is
     * one nobody will finish.
     */
    private static final long READY_TIMEOUT_SECONDS = 2;

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

    /**
     * {@code rows}, with each inbox of a group member that a joiner left half-made made stale
     * (owner {@link OwnerState#DEAD}: {@code jipc gc} and {@code jipc rm group:NAME} remove it): a
     * mailbox named exactly as a member's inbox ({@link GroupDescriptor#groupOfInbox}) whose file
     * is an error row because it was never published (shorter than the common header, or version
     * 0), that no live process maps or holds open, whose group ({@code group:NAME}) is gone or stale,
     * and whose creator, recorded in the header, is dead — or, with no creator recorded yet (a joiner
     * killed before it wrote the header leaves an empty file), that was last modified more than the
     * ready timeout ago. Such a file is otherwise an error row, never stale, and nothing would ever
     * remove it; a group with a live member is left to its next joiner, which removes the inbox of
     * the rank it takes over. Does not block.
     */
    static List<ObjectRow> withAbandonedInboxes(List<ObjectRow> rows) {
        Map<String, ObjectRow> groups = rows.stream().filter(r -> r.kind().equals("group"))
                .collect(Collectors.toMap(ObjectRow::uri, Function.identity(), (a, b) -> a));
        List<ObjectRow> out = new ArrayList<>(rows.size());
        for (ObjectRow row : rows) {
            out.add(abandonedInbox(row, groups).orElse(row));
        }
        return out;
    }

    /** The stale row of {@code row}'s file if it is a half-made inbox {@link #withAbandonedInboxes} takes. */
    private static Optional<ObjectRow> abandonedInbox(ObjectRow row, Map<String, ObjectRow> groups) {
        String error = "error: ";
        if (!row.kind().equals("mailbox") || !row.uri().startsWith("mailbox:") || !row.details().startsWith(error)
                || !row.users().isEmpty()) {
            return Optional.empty();
        }
        Optional<String> group = GroupDescriptor.groupOfInbox(row.uri().substring("mailbox:".length()));
        ObjectRow groupRow = group.map(g -> groups.get("group:" + g)).orElse(null);
        if (group.isEmpty() || groupRow != null && !groupRow.stale()) {
            return Optional.empty(); // no inbox, or its group has a member (or cannot be read): not ours to judge
        }
        return halfMade(row, "a half-made inbox of group:" + group.get());
    }

    /**
     * {@code rows}, with each group file that its creator left half-made made stale (owner
     * {@link OwnerState#DEAD}: {@code jipc gc} removes it): a group's error row because its file was
     * never published (shorter than the common header, or version 0), that no live process maps or
     * holds open, and whose creator, recorded in the header, is dead — or, with no creator recorded
     * yet, that was last modified more than the ready timeout ago. Such a file can hold no member
     * (joiners claim a rank only in a published file), nobody can join the group while it is there
     * (every joiner waits for it to be published and gives up), and until 2026-12-06 nothing removed
     * it. Run before {@link #withAbandonedInboxes}, so that the half-made inboxes of such a group are
     * stale too. Does not block.
     */
    static List<ObjectRow> withAbandonedGroupFiles(List<ObjectRow> rows) {
        List<ObjectRow> out = new ArrayList<>(rows.size());
        for (ObjectRow row : rows) {
            boolean candidate = row.kind().equals("group") && row.uri().startsWith("group:")
                    && row.details().startsWith("error: ") && row.users().isEmpty();
            out.add((candidate ? halfMade(row, "a half-made group file") : Optional.<ObjectRow>empty()).orElse(row));
        }
        return out;
    }

    /**
     * The stale row of the error row {@code row} if its file was never published and its creator
     * died creating it (or, none recorded, it is older than the ready timeout), its error then
     * starting {@code WHAT, why: }; else empty.
     */
    private static Optional<ObjectRow> halfMade(ObjectRow row, String what) {
        String error = "error: ";
        long creatorPid;
        String why;
        try (FileSnapshot f = FileSnapshot.open(Path.of(row.path()))) {
            ProcessIdentity creator = null;
            if (f.size() >= SegmentHeaderDescriptor.LENGTH) {
                if (f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET) != 0) {
                    return Optional.empty(); // published, then damaged: not half-made
                }
                creator = f.creator();
            }
            if (creator != null) {
                if (creator.isAlive()) {
                    return Optional.empty();
                }
                creatorPid = creator.pid();
                why = "whose creator, pid " + creatorPid + ", died creating it";
            } else if (System.currentTimeMillis() / 1000 - f.modifiedSeconds() > READY_TIMEOUT_SECONDS) {
                creatorPid = 0;
                why = "with no creator recorded, unfinished for more than " + READY_TIMEOUT_SECONDS + " s";
            } else {
                return Optional.empty(); // may be being created right now
            }
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        return Optional.of(new ObjectRow(row.kind(), row.uri(), row.path(), creatorPid, OwnerState.DEAD, row.users(),
                row.capacity(), row.depth(), row.unit(), row.counter(), row.mode(), row.user(),
                error + what + ", " + why + ": "
                        + row.details().substring(error.length()),
                row.outlivesOwner(), row.dangling(), row.heldState(), row.counterNanos(), row.uid(), row.file()));
    }
}
