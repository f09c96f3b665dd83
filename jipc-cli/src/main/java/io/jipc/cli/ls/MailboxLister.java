package io.jipc.cli.ls;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.platform.FileStatus;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.RingDescriptor;
import io.jipc.platform.Libc;
import io.jipc.platform.Printable;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.shm.SharedRegion;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mailboxes under {@code <jipc root>/mailbox}. Capacity and depth are bytes of the rings (all
 * priority levels); the counter is the rings' "records delivered", which the receiver writes on
 * every take anyway; users include the live processes whose tokens sit in the header (sender and
 * receiver leases, link parties, receivers, a waiting receiver).
 *
 * <p>Durable mailboxes live in files the application chose, anywhere on disk, and nothing records
 * where: {@link #durable()} finds those some process maps now (shared mappings of files outside the
 * jipc root and {@code /dev/shm} that start with the mailbox magic), {@code mailbox-file:PATH}. A
 * durable mailbox nobody maps is not listed, unless it lies in {@code <jipc root>/mailbox}. A durable
 * mailbox is never stale (it is meant to outlive everyone), and its details start with
 * {@code durable, }: one its header flags as durable ({@link MailboxDescriptor#FLAG_DURABLE}, version
 * 2.2) wherever it lies, and one of version 2.1 (which has no flag) found through the mappings. A
 * mapped mailbox file of version 2.2 without the flag is an ordinary mailbox of another jipc root
 * (a {@code JIPC_ROOT} of another process, a group's inbox there): not listed, as that root's other
 * objects are not, so neither {@code gc} nor {@code rm} here removes the file that root's
 * {@code mailbox/NAME} name points at ({@link #notDurable} says why for {@code rm}).
 */
final class MailboxLister implements Lister {
    /** The wait strategy of a mailbox made without one: not named in the details. */
    private static final WaitStrategy DEFAULT_WAIT = MailboxOptions.builder().build().waitStrategy();

    /** More priority levels than any mailbox has: a header claiming more is corrupt. */
    private static final int MAX_LEVELS = 256;

    /** The minor version of the mailbox format that added the flags word ({@link MailboxDescriptor#FLAG_DURABLE}). */
    private static final int FLAGS_MINOR_VERSION = 2;

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(JipcRoot.path(MailboxDescriptor.DIRECTORY),
                name -> "mailbox:" + name, "mailbox", scan, MailboxLister::describe);
    }

    /** The durable mailboxes mapped by some process. */
    static Lister durable() {
        return scan -> {
            Path root = JipcRoot.path();
            List<ObjectRow> rows = new ArrayList<>();
            for (String mapped : scan.sharedFiles()) {
                Path path = Path.of(mapped);
                if (path.startsWith(root) || path.startsWith(SharedRegion.POSIX_DIRECTORY)) {
                    continue;
                }
                int version = mailboxVersion(path);
                if (version == 0) {
                    continue; // no mailbox (or not ready)
                }
                try {
                    FileStatus status = Libc.lstat(mapped);
                    ObjectFile file = new ObjectFile("mailbox-file:" + mapped, path, status,
                            scan.users(status.device(), status.inode()));
                    ObjectRow row = describe(file); // flagged durable in its header (2.2), or not
                    if (row.outlivesOwner()) {
                        rows.add(row); // uid: file.row's
                    } else if (SegmentHeaderDescriptor.minor(version) < FLAGS_MINOR_VERSION) {
                        rows.add(asDurable(row)); // a 2.1 file has no flag: durable by where it lies
                    } // else an ordinary mailbox of another jipc root: that root's listing shows it
                } catch (RuntimeException gone) {
                    // unmapped and removed meanwhile
                }
            }
            return rows;
        };
    }

    /** The row of a durable mailbox: never stale, and its details say {@code durable}. */
    private static ObjectRow asDurable(ObjectRow row) {
        return row.withDetailsOutlivingOwner("durable, " + row.details());
    }

    /**
     * The version word ({@code major<<16|minor}) of the mailbox file at {@code path}; 0 if it is no
     * mailbox (another magic, unreadable) or not published yet.
     */
    private static int mailboxVersion(Path path) {
        try (FileSnapshot f = FileSnapshot.open(path)) {
            return f.jipcMagic() == MailboxDescriptor.MAGIC ? f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET) : 0;
        } catch (RuntimeException unreadable) {
            return 0;
        }
    }

    /**
     * Why {@code path} is not a durable mailbox {@code jipc rm mailbox-file:PATH} may remove though a
     * mailbox file is there: a file whose header (format 2.2 or later) does not flag it durable is an
     * ordinary mailbox, another jipc root's if it lies in a {@code mailbox/} directory, whose
     * {@code mailbox/NAME} name would be left pointing at nothing; empty otherwise. Any thread; does
     * not block.
     */
    static java.util.Optional<String> notDurable(Path path) {
        try (FileSnapshot f = FileSnapshot.open(path)) {
            int version = f.getInt(SegmentHeaderDescriptor.VERSION_OFFSET);
            if (f.jipcMagic() != MailboxDescriptor.MAGIC || SegmentHeaderDescriptor.major(version) != MailboxDescriptor.MAJOR_VERSION
                    || SegmentHeaderDescriptor.minor(version) < FLAGS_MINOR_VERSION
                    || (f.getInt(MailboxDescriptor.FLAGS_OFFSET) & MailboxDescriptor.FLAG_DURABLE) != 0) {
                return java.util.Optional.empty();
            }
        } catch (RuntimeException unreadable) {
            return java.util.Optional.empty();
        }
        Path parent = path.toAbsolutePath().getParent();
        String shown = Printable.quoted(path.toString());
        if (parent != null && parent.getParent() != null && parent.getFileName().toString().equals(MailboxDescriptor.DIRECTORY)) {
            Path otherRoot = parent.getParent();
            String name = path.getFileName().toString();
            return java.util.Optional.of(shown + " is not a durable mailbox (its header does not flag it durable): it is"
                    + " the mailbox " + Printable.quoted(name) + " of the jipc root " + Printable.quoted(otherRoot.toString())
                    + "; not removed (JIPC_ROOT=" + otherRoot + " jipc rm mailbox:" + name + " removes it with its name)");
        }
        return java.util.Optional.of(shown + " is not a durable mailbox (its header does not flag it durable); not removed");
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            f.checkHeader(MailboxDescriptor.MAGIC, MailboxDescriptor.MAJOR_VERSION, "mailbox file");
            long ringOffset = f.getLong(MailboxDescriptor.RING_OFFSET_OFFSET);
            long ringLength = f.getLong(MailboxDescriptor.RING_LENGTH_OFFSET);
            int levels = Math.max(1, f.getInt(MailboxDescriptor.PRIORITIES_OFFSET));
            if (ringOffset != MailboxDescriptor.RING_OFFSET || levels > MAX_LEVELS || ringLength <= 0
                    || ringLength > (f.size() - ringOffset) / levels) {
                throw new FileSnapshot.CorruptFileException("rings (" + levels + " x " + ringLength
                        + " B at " + ringOffset + ") do not fit the " + f.size() + "-byte file");
            }
            List<Long> tokens = new ArrayList<>();
            long capacity = 0;
            long depth = 0;
            long delivered = 0;
            long readAt = 0;
            for (int level = 0; level < levels; level++) {
                long ring = ringOffset + level * ringLength;
                long ringCapacity = f.getLong(ring + RingDescriptor.CAPACITY_OFFSET);
                if (ringCapacity <= 0 || ringCapacity > ringLength) {
                    throw new FileSnapshot.CorruptFileException("ring " + level + " claims " + ringCapacity
                            + " B in " + ringLength + " B");
                }
                capacity += ringCapacity;
                long used = f.getLong(ring + RingDescriptor.TAIL_OFFSET) - f.getLong(ring + RingDescriptor.HEAD_OFFSET);
                depth += Math.clamp(used, 0, ringCapacity); // two moments' positions: never outside the ring
                delivered += Math.max(0, f.getLong(ring + RingDescriptor.DELIVERED_OFFSET));
                readAt = System.nanoTime();
                tokens.add(f.getLong(ring + RingDescriptor.PRODUCER_LEASE_OFFSET));
                tokens.add(f.getLong(ring + RingDescriptor.CONSUMER_LEASE_OFFSET));
            }
            for (int i = 0; i < MailboxDescriptor.PARTIES; i++) {
                tokens.add(f.getLong(MailboxDescriptor.PARTIES_OFFSET + 8L * i));
            }
            for (int i = 0; i < MailboxDescriptor.RECEIVERS; i++) {
                tokens.add(f.getLong(MailboxDescriptor.RECEIVERS_OFFSET + 8L * i));
            }
            tokens.add(f.getLong(MailboxDescriptor.WAITING_RECEIVER_OFFSET));
            String details = "JIPC-MBX " + f.version() + ", messages up to "
                    + f.getInt(MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET) + " B"
                    + (levels > 1 ? ", " + levels + " priority levels" : "") + options(f, levels, ringOffset);
            String protocol = f.getAsciiLabel(MailboxDescriptor.PROTOCOL_OFFSET, MailboxDescriptor.PROTOCOL_LENGTH);
            if (!protocol.isEmpty()) {
                details += ", protocol " + protocol;
            }
            ObjectRow row = file.row("mailbox", f.creator(), livePids(tokens), capacity, depth, "B", delivered, readAt,
                    details);
            // 0 in files before 2.2: such a durable mailbox is known as one only where it lies (durable())
            boolean flaggedDurable = (f.getInt(MailboxDescriptor.FLAGS_OFFSET) & MailboxDescriptor.FLAG_DURABLE) != 0;
            return flaggedDurable ? asDurable(row) : row;
        }
    }

    /**
     * The options a mailbox was created with beyond the defaults, as its header records them: a
     * message limit ({@code rendezvous} for 0), message headers (only where no limit or priorities
     * imply them), a single sender (its ring's producer mode), a receive policy other than exclusive,
     * a wait strategy other than the default ({@code wait FUTEX}).
     * A value no mailbox writes is left out.
     */
    private static String options(FileSnapshot f, int levels, long ringOffset) {
        int limit = f.getInt(MailboxDescriptor.MESSAGE_LIMIT_OFFSET);
        int features = f.getInt(MailboxDescriptor.FEATURES_OFFSET);
        int policy = f.getInt(MailboxDescriptor.RECEIVE_POLICY_OFFSET);
        StringBuilder out = new StringBuilder();
        if (limit == 0) {
            out.append(", rendezvous");
        } else if (limit > 0) {
            out.append(", message limit ").append(limit);
        }
        if ((features & MailboxDescriptor.FEATURE_HEADERS) != 0 && limit < 0 && levels == 1) {
            out.append(", headers");
        }
        if (f.getInt(ringOffset + RingDescriptor.PRODUCER_MODE_OFFSET) == RingDescriptor.MODE_SINGLE_PRODUCER) {
            out.append(", single sender");
        }
        if (policy == ReceivePolicy.LINK.ordinal()) {
            out.append(", link receive policy");
        } else if (policy == ReceivePolicy.SHARED.ordinal()) {
            out.append(", shared receivers");
        }
        WaitStrategy wait = WaitStrategy.ofCode(f.getInt(ringOffset + RingDescriptor.WAIT_STRATEGY_OFFSET));
        if (wait != null && wait != DEFAULT_WAIT) {
            out.append(", wait ").append(wait);
        }
        return out.toString();
    }

    /** The pids of the tokens whose process is alive. */
    static List<Long> livePids(List<Long> tokens) {
        return tokens.stream().filter(t -> t != 0 && ProcessIdentity.isAlive(t))
                .map(ProcessIdentity::pidOf).distinct().toList();
    }
}
