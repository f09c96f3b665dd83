package io.jipc.cli.ls;

import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.sync.ProcessBarrier;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncFileDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Named synchronization objects under {@code <jipc root>/sync} ({@code sync:NAME}): the slot's kind
 * (MUTX, SEMA, COND, BARR, LTCH), the creator, and the state a later process may depend on, which
 * {@code jipc gc} does not throw away ({@link ObjectRow#holds()}); {@code jipc sync info} tells holders
 * and permits.
 */
final class SyncLister implements Lister {
    private static final long SLOT = SyncFileDescriptor.SLOT_OFFSET;

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(JipcRoot.path(SyncFileDescriptor.DIRECTORY),
                name -> "sync:" + name, "sync", scan, SyncLister::describe);
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            f.checkHeader(SyncFileDescriptor.MAGIC, SyncFileDescriptor.MAJOR_VERSION, "synchronization object");
            int tag = f.getInt(SyncFileDescriptor.KIND_OFFSET);
            String kind = SegmentHeaderDescriptor.tag(tag & 0xFFFF_FFFFL).substring(0, 4);
            String held = state(f, tag);
            return file.row("sync", f.creator(), List.of(), -1, -1, "", -1,
                    "JIPC-SYN " + f.version() + ", " + kind + (held.isEmpty() ? "" : ", " + held)).withHeldState(held);
        }
    }

    /**
     * The state of the slot that differs from a freshly created object's, in words; empty when there
     * is none (a free mutex, a semaphore with all its permits, a barrier nobody waits at or has
     * joined, a latch not counted down, any condition). The initial permits and count are known from
     * version 1.1, a barrier's members from 1.3.
     */
    private static String state(FileSnapshot f, int tag) {
        boolean initialKnown = SegmentHeaderDescriptor.minor(f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET)) >= 1;
        List<String> state = new ArrayList<>();
        if (tag == ProcessMutex.TAG) {
            long owner = f.getLong(SLOT + ProcessMutex.OWNER_OFFSET);
            if (owner != 0) {
                long pid = owner >>> 32;
                state.add("locked by pid " + pid + (!ProcessIdentity.isAlive(owner) ? " (dead)"
                        : ProcessIdentity.isStopped(pid) ? " (stopped)" : ""));
            }
            if (f.getInt(SLOT + ProcessMutex.CONSISTENCY_OFFSET) != 0) {
                state.add("inconsistent (a holder died)");
            }
        } else if (tag == ProcessSemaphore.TAG) {
            int available = (int) f.getLong(SLOT + ProcessSemaphore.STATE_OFFSET);
            int initial = f.getInt(SLOT + ProcessSemaphore.INITIAL_PERMITS_OFFSET);
            if (initialKnown && available != initial) {
                state.add(available + " of " + initial + " permits available");
            }
            state.addAll(deadHolders(f));
            if (f.getInt(SLOT + ProcessSemaphore.CONSISTENCY_OFFSET) != 0) {
                state.add("inconsistent (a holder died)");
            }
        } else if (tag == ProcessBarrier.TAG) {
            long barrierState = f.getLong(SLOT + ProcessBarrier.STATE_OFFSET);
            int arrived = (int) barrierState;
            if ((barrierState & ProcessBarrier.BROKEN) != 0) {
                long pid = barrierState & (ProcessBarrier.BROKEN - 1);
                state.add("broken (" + (pid != 0 ? "party pid " + pid + " died" : "reset") + ")");
            } else if (arrived != 0) {
                int dead = deadArrivals(f, (int) (barrierState >>> 32));
                state.add(arrived + " of " + f.getInt(SLOT + ProcessBarrier.PARTIES_OFFSET) + " parties arrived"
                        + (dead > 0 ? " (" + dead + " dead)" : ""));
            }
            int parties = f.getInt(SLOT + ProcessBarrier.PARTIES_OFFSET);
            int members = joinedMembers(f, parties);
            if (members != 0) {
                state.add(members + " of " + parties + " joined");
            }
        } else if (tag == ProcessCountDownLatch.TAG) {
            int count = f.getInt(SLOT + ProcessCountDownLatch.COUNT_OFFSET);
            int initial = f.getInt(SLOT + ProcessCountDownLatch.INITIAL_COUNT_OFFSET);
            if (initialKnown ? count != initial : count == 0) {
                state.add(count == 0 ? "open (counted down to 0)" : "counted down to " + count + " of " + initial);
            }
        }
        return String.join(", ", state);
    }

    /**
     * The entries of a tracked semaphore's holder table that belong to a dead process and hold permits
     * (or have a change pending), in the words of {@code jipc sync info} ({@code pid P (dead) holds N}:
     * a holder killed with its permits, which the next acquirer that finds none free takes back); a dead
     * process's entry that holds nothing is no state (a semaphore with all its permits back is as
     * created) and is not listed (the next handle opened frees it). At most {@value #DEAD_HOLDERS_SHOWN},
     * then {@code K more dead holders}; none for an untracked semaphore, or a table this reader does not take
     * for one (a count beyond the maximum or the file).
     */
    private static List<String> deadHolders(FileSnapshot f) {
        int entries = f.getInt(SLOT + ProcessSemaphore.HOLDER_ENTRIES_OFFSET);
        if (entries < 1 || entries > ProcessSemaphore.MAX_HOLDER_ENTRIES
                || SLOT + ProcessSemaphore.slotLength(entries) > f.size()) {
            return List.of();
        }
        List<String> dead = new ArrayList<>();
        int pending = (int) (f.getLong(SLOT + ProcessSemaphore.STATE_OFFSET) >>> 32); // entry + 1, 0 for none
        int more = 0;
        for (int i = 0; i < entries; i++) {
            long entry = SLOT + ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * i;
            long token = f.getLong(entry + ProcessSemaphore.ENTRY_TOKEN_OFFSET);
            int held = (int) f.getLong(entry + ProcessSemaphore.ENTRY_RECORD_OFFSET); // low 32 bits
            // an entry that holds nothing, its change not pending, is no state (the next handle frees it)
            if (token == 0 || held == 0 && pending != i + 1 || ProcessIdentity.isAlive(token)) {
                continue;
            }
            if (dead.size() < DEAD_HOLDERS_SHOWN) {
                dead.add("pid " + ProcessIdentity.pidOf(token) + " (dead) holds " + held);
            } else {
                more++;
            }
        }
        if (more > 0) {
            dead.add(more + " more dead holders");
        }
        return dead;
    }

    /** Dead holders of a semaphore named in its details; the rest are counted. */
    private static final int DEAD_HOLDERS_SHOWN = 4;

    /**
     * How many party entries of a tracked barrier (version 1.2) say their process arrives or waits
     * in {@code generation} and belong to a dead process (a killed waiter: its arrival still counts
     * until a check breaks the generation); 0 for an untracked barrier.
     */
    private static int deadArrivals(FileSnapshot f, int generation) {
        int parties = f.getInt(SLOT + ProcessBarrier.PARTIES_OFFSET);
        int entries = f.getInt(SLOT + ProcessBarrier.ENTRY_COUNT_OFFSET);
        if (parties < 1 || parties > ProcessBarrier.MAX_TRACKED_PARTIES || entries != 2 * parties) {
            return 0;
        }
        int dead = 0;
        for (int i = 0; i < entries; i++) {
            long entry = SLOT + ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * i;
            long token = f.getLong(entry + ProcessBarrier.ENTRY_TOKEN_OFFSET);
            if (token != 0 && f.getInt(entry + ProcessBarrier.ENTRY_GENERATION_OFFSET) == generation
                    && !ProcessIdentity.isAlive(token)) {
                dead++;
            }
        }
        return dead;
    }

    /**
     * The members of a barrier's joined table (version 1.3), of live processes or not; 0 if it has
     * none (untracked, an older file, or counts this reader does not take for a table).
     */
    private static int joinedMembers(FileSnapshot f, int parties) {
        int entries = f.getInt(SLOT + ProcessBarrier.ENTRY_COUNT_OFFSET);
        if (parties < 1 || parties > ProcessBarrier.MAX_TRACKED_PARTIES || entries != 2 * parties
                || f.getInt(SLOT + ProcessBarrier.JOINED_COUNT_OFFSET) != parties) {
            return 0;
        }
        long table = SLOT + ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * entries;
        int members = 0;
        for (int i = 0; i < parties; i++) {
            if (f.getLong(table + (long) ProcessBarrier.JOINED_ENTRY_LENGTH * i) != 0) {
                members++;
            }
        }
        return members;
    }
}
