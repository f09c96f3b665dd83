package io.jipc.cli.ls;

import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.shm.CircularBufferDescriptor;
import io.jipc.shm.SharedRegion;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Named regions: jipc names under {@code <jipc root>/region} ({@code region:NAME}) and POSIX shared
 * memory in {@code /dev/shm} ({@code shm:/NAME}). A region formatted as a {@code CircularBuffer} is
 * a {@code circular-buffer} row with its capacity, depth and items taken (the dequeue position, which
 * consumers write anyway); another jipc file shows its magic; raw bytes have no recorded owner.
 */
final class RegionLister implements Lister {
    private final Supplier<Path> directory;
    private final Function<String, String> uriOf;

    /** {@code directory} is asked on every listing: the jipc root may change (tests). */
    private RegionLister(Supplier<Path> directory, Function<String, String> uriOf) {
        this.directory = directory;
        this.uriOf = uriOf;
    }

    /** Regions with jipc names. */
    static RegionLister jipcNames() {
        return new RegionLister(() -> JipcRoot.path(SharedRegion.DIRECTORY), name -> "region:" + name);
    }

    /** POSIX shared memory objects. */
    static RegionLister posix() {
        return new RegionLister(() -> SharedRegion.POSIX_DIRECTORY, name -> "shm:/" + name);
    }

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(directory.get(), uriOf, "region", scan, RegionLister::describe);
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            long magic = f.jipcMagic();
            if (magic == 0) {
                return file.row("region", null, List.of(), f.size(), -1, "B", -1, "raw");
            }
            if (magic == CircularBufferDescriptor.MAGIC) {
                Buffer b = buffer(f);
                return file.row("circular-buffer", b.creator(), List.of(), b.capacity(), b.depth(), "items",
                        b.dequeued(), b.readAt(), b.details());
            }
            int version = f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET);
            f.checkHeader(f.size(), magic, SegmentHeaderDescriptor.major(version), version); // the lengths
            return file.row("region", f.creator(), List.of(), f.size(), -1, "B", -1,
                    SegmentHeaderDescriptor.tag(magic) + " " + f.version());
        }
    }

    /**
     * What a circular buffer's header says, as read now: its creator, capacity and depth in items,
     * items taken ({@code dequeued}, the counter of {@code jipc top}, read at {@code readAt} on the
     * {@link System#nanoTime()} clock) and its details.
     */
    record Buffer(io.jipc.platform.ProcessIdentity creator, int capacity, long depth, long dequeued, long readAt,
                  String details) {
    }

    /**
     * Reads the circular buffer at the start of {@code f}, whose magic is the buffer's, checking its
     * configuration and header as its openers do (the buffer may start a larger file or region).
     *
     * @throws FileSnapshot.CorruptFileException with the reason if it is not a valid buffer
     */
    static Buffer buffer(FileSnapshot f) {
        int item = f.getInt(CircularBufferDescriptor.ITEM_SIZE_OFFSET);
        int capacity = f.getInt(CircularBufferDescriptor.CAPACITY_OFFSET);
        long needed;
        try {
            needed = CircularBufferDescriptor.length(item, capacity); // checks both: no overflow
        } catch (IllegalArgumentException invalid) { // says which is wrong, as the buffer's openers do
            throw new FileSnapshot.CorruptFileException("circular buffer of " + capacity + " items of "
                    + item + " B: " + invalid.getMessage());
        }
        if (needed > f.size()) {
            throw new FileSnapshot.CorruptFileException("circular buffer of " + capacity + " items of "
                    + item + " B needs " + needed + " B; the file has " + f.size() + " B");
        }
        // the header's file length is the buffer's, which may start a larger region
        f.checkHeader(needed, CircularBufferDescriptor.MAGIC, CircularBufferDescriptor.MAJOR_VERSION,
                f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET));
        long dequeued = f.getLong(CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET);
        long readAt = System.nanoTime();
        long enqueued = f.getLong(CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET);
        long depth = enqueued - dequeued;
        return new Buffer(f.creator(), capacity, Math.clamp(depth, 0, capacity), Math.max(0, dequeued), readAt,
                "JIPC-CBF " + f.version() + ", items of " + item + " B" + unfinished(f, item, capacity, enqueued, dequeued));
    }

    /**
     * What the slots at the two positions say of a put or take in progress, as read now: the head
     * item claimed but not published (a put in progress; if it stays, its producer died there and
     * takes stop at it until the buffer is re-created), or the slot the next put needs not released
     * (a take in progress; if it stays, its consumer died there and puts stop at it).
     * docs/shared-memory.md, "A process killed inside put/take".
     */
    private static String unfinished(FileSnapshot f, int item, int capacity, long enqueued, long dequeued) {
        long depth = enqueued - dequeued;
        if (depth < 0 || depth > capacity) {
            return ""; // positions read at two moments: nothing to say from them
        }
        String notes = "";
        if (depth > 0 && sequence(f, item, capacity, dequeued) == dequeued) {
            notes += "; head item not yet published (a put in progress, or its producer died: then takes stop"
                    + " here until the buffer is re-created)";
        }
        if (depth < capacity && sequence(f, item, capacity, enqueued) == enqueued - capacity + 1) {
            notes += "; slot of the next put not yet released (a take in progress, or its consumer died: then"
                    + " puts stop here until the buffer is re-created)";
        }
        return notes;
    }

    /** The sequence word of the slot of {@code position}. */
    private static long sequence(FileSnapshot f, int item, int capacity, long position) {
        return f.getLong(CircularBufferDescriptor.SLOTS_OFFSET
                + (position & (capacity - 1)) * (long) CircularBufferDescriptor.stride(item));
    }
}
