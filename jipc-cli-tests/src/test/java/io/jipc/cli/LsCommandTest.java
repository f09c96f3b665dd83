package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.cli.ls.RowFormat;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.shm.AnonymousRegion;
import io.jipc.shm.CircularBuffer;
import io.jipc.shm.SharedRegion;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inventory finds each kind of object in this process with its owner, capacity, depth and mode. */
@ExtendWith(JipcTestExtension.class)
class LsCommandTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void listsRegionsBuffersMailboxesPosixAndAnonymousRegions() throws Exception {
        String posix = "/jipc-ls-" + UUID.randomUUID();
        try (SharedRegion region = SharedRegion.create("plain", 8192, 0640);
             SharedRegion shm = SharedRegion.create(posix, 4096);
             CircularBuffer buffer = CircularBuffer.create("ring", 16, 8);
             Mailbox mailbox = Mailbox.create("box");
             Mailbox labelled = Mailbox.create("labelled", io.jipc.mailbox.MailboxOptions.builder().protocol("chat/2").build());
             AnonymousRegion anonymous = AnonymousRegion.create(3 * 4096)) {
            buffer.put(new byte[16]);
            mailbox.put(new byte[10]);
            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow plain = find(rows, "region:plain");
            assertEquals(8192, plain.capacity());
            assertEquals("0640", plain.mode());
            assertEquals("raw", plain.details());
            assertEquals(OwnerState.UNKNOWN, plain.owner(), "a raw region records no creator");
            assertEquals("region", find(rows, "shm:" + posix).kind());
            ObjectRow ring = find(rows, "region:ring");
            assertEquals("circular-buffer", ring.kind());
            assertEquals(8, ring.capacity());
            assertEquals(1, ring.depth());
            assertEquals(SELF, ring.ownerPid());
            assertEquals(OwnerState.ALIVE, ring.owner());
            ObjectRow box = find(rows, "mailbox:box");
            assertTrue(box.depth() > 0 && box.capacity() >= box.depth(), box.toString());
            assertEquals(0, box.counter(), "nothing taken yet");
            assertFalse(box.stale());
            assertEquals("JIPC-MBX 2.2, messages up to 65536 B", box.details());
            assertEquals("JIPC-MBX 2.2, messages up to 65536 B, protocol chat/2", find(rows, "mailbox:labelled").details());
            assertTrue(rows.stream().anyMatch(o -> o.kind().equals("anonymous-region") && o.capacity() == 3 * 4096),
                    rows.toString());
            mailbox.take();
            assertEquals(1, find(ObjectInventory.list(), "mailbox:box").counter());
            String table = RowFormat.table(rows);
            assertTrue(table.contains("circular-buffer") && table.contains("region:plain"), table);
            assertTrue(rows.stream().allMatch(o -> ObjectInventory.KINDS.contains(o.kind())), rows.toString());
            CliRun json = CliRun.jipc("ls", "--kind", "region", "--json");
            assertEquals(0, json.exit(), json.err());
            assertTrue(json.out().lines().anyMatch(line -> line.contains("\"uri\": \"region:plain\"")
                    && line.contains("\"ownerPid\": -1, \"owner\": \"unknown\"")), "-1 for an unknown number: " + json.out());
            long euid = Integer.toUnsignedLong(io.jipc.platform.Libc.geteuid());
            assertTrue(json.out().lines().anyMatch(line -> line.contains("\"uri\": \"region:plain\"")
                    && line.contains("\"uid\": " + euid + ", \"details\": ")), "the owning uid: " + json.out());
            String anonymousJson = CliRun.jipc("ls", "--kind", "anonymous-region", "--json").out();
            assertTrue(anonymousJson.lines().anyMatch(line -> line.contains("\"kind\": \"anonymous-region\"")
                    && line.contains("\"uid\": -1, ")), "-1 for an unknown uid: " + anonymousJson);
            String buffers = CliRun.jipc("ls", "--kind", "circular-buffer", "--json").out();
            assertTrue(buffers.lines().anyMatch(line -> line.contains("\"uri\": \"region:ring\"")
                    && line.contains("\"ownerPid\": " + SELF + ", \"owner\": \"alive\"")), buffers);
            assertTrue(CliRun.jipc("ls", "--kind", "region").out().lines()
                    .anyMatch(line -> line.matches("region +region:plain +- unknown .*")), "the table keeps its dash");
            CliRun mailboxes = CliRun.jipc("ls", "--kind", "mailbox");
            assertEquals(0, mailboxes.exit(), mailboxes.err());
            assertTrue(mailboxes.out().contains("mailbox:box") && !mailboxes.out().contains("region:plain"),
                    mailboxes.out());
        } finally {
            SharedRegion.unlink("plain");
            SharedRegion.unlink(posix);
            CircularBuffer.destroy("ring");
            Mailbox.destroy("box");
            Mailbox.destroy("labelled");
        }
    }

    /**
     * A URI longer than the usual column widens the column for every row, so the OWNER column
     * stays under its heading; a long URI pushed the rest of its row out of line before.
     */
    @Test
    void aLongUriWidensItsColumnSoTheColumnsStayInLine() throws Exception {
        String longName = "a-mailbox-name-longer-than-the-uri-column-of-the-table";
        try (Mailbox shortName = Mailbox.create("box");
             Mailbox longOne = Mailbox.create(longName)) {
            // rows of this root's mailboxes only: a durable mailbox another process on the machine maps
            // (mailbox-file:PATH) is listed too, and its path may be longer than either name
            List<String> lines = CliRun.jipc("ls", "--kind", "mailbox").out().lines()
                    .filter(line -> line.startsWith("KIND") || line.matches("mailbox +mailbox:.*")).toList();
            assertEquals(3, lines.size(), lines.toString());
            int owner = lines.get(0).indexOf("   OWNER") + "   OWNER".length();
            for (String row : lines.subList(1, 3)) {
                assertEquals(String.valueOf(SELF), row.substring(0, owner).strip().replaceAll(".* ", ""),
                        "the pid ends where the OWNER heading ends: " + lines);
            }
        } finally {
            Mailbox.destroy("box");
            Mailbox.destroy(longName);
        }
    }

    @Test
    void anUnknownKindIsAUsageErrorThatNamesTheKinds() {
        CliRun ls = CliRun.jipc("ls", "--kind", "mailboxes");
        assertEquals(2, ls.exit());
        assertTrue(ls.err().contains("no kind of object 'mailboxes'; the kinds: mailbox, unbounded, region"), ls.err());
        CliRun top = CliRun.jipc("top", "--once", "--interval", "10ms", "--kind", "bogus");
        assertEquals(2, top.exit());
        assertTrue(top.err().contains("no kind of object 'bogus'"), top.err());
    }

    @Test
    void aCorruptFileIsARowWithItsErrorNotACrash() throws Exception {
        try (Mailbox ignored = Mailbox.create("good")) {
            Files.write(Mailbox.path("good").resolveSibling("bad"), new byte[300]);
            Files.write(Mailbox.path("good").resolveSibling("short"), new byte[7]);
            List<ObjectRow> rows = ObjectInventory.list();
            assertTrue(find(rows, "mailbox:bad").details().startsWith("error: "), rows.toString());
            assertEquals(OwnerState.UNKNOWN, find(rows, "mailbox:short").owner());
            assertEquals(OwnerState.ALIVE, find(rows, "mailbox:good").owner());
        } finally {
            Mailbox.destroy("good");
            Files.deleteIfExists(Mailbox.path("good").resolveSibling("bad"));
            Files.deleteIfExists(Mailbox.path("good").resolveSibling("short"));
        }
    }

    @Test
    void aDurableMailboxIsListedWhileSomeProcessMapsItAndIsNeverStale() throws Exception {
        Path file = dir.resolve("journal");
        try (Mailbox durable = Mailbox.createDurable(file, MailboxOptions.defaults())) {
            durable.put(new byte[5]);
            ObjectRow row = find(ObjectInventory.list(), "mailbox-file:" + file);
            assertEquals("mailbox", row.kind());
            assertTrue(row.depth() > 0 && row.details().startsWith("durable, JIPC-MBX 2.2, "), row.toString());
            assertTrue(row.users().contains(SELF), row.toString());
            assertTrue(row.outlivesOwner());
        }
        // this one only: another process of the user (another jipc root's group inbox, say) may map one now
        assertTrue(ObjectInventory.list().stream().noneMatch(r -> r.uri().equals("mailbox-file:" + file)),
                "nobody maps it any more");
    }

    /**
     * A durable mailbox of version 2.1, whose header has no durable flag, found among the mappings is
     * listed the same way as one of 2.2: {@code durable, } once, never stale.
     */
    @Test
    void aDurableMailboxOfTheOlderMinorVersionIsListedAsDurableWhileMapped() throws Exception {
        Path file = dir.resolve("older");
        Mailbox.createDurable(file, MailboxOptions.defaults()).close();
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) { // as a 2.1 process wrote it: no flags
            f.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 0),
                    io.jipc.mailbox.MailboxDescriptor.FLAGS_OFFSET);
            f.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder())
                    .putInt(0, io.jipc.segment.SegmentHeaderDescriptor.version(2, 1)),
                    io.jipc.segment.SegmentHeaderDescriptor.VERSION_OFFSET);
        }
        try (Mailbox older = Mailbox.openDurable(file)) {
            ObjectRow row = find(ObjectInventory.list(), "mailbox-file:" + file);
            assertEquals("durable, JIPC-MBX 2.1, messages up to 65536 B", row.details());
            assertTrue(row.outlivesOwner());
        }
    }

    /**
     * FIFOs under the jipc root are listed up to 4 directories deep, as tools.md says: one in
     * {@code a/b/c/d/} too (the walk stopped a level short), none in a fifth directory.
     */
    @Test
    void fifosAreListedUpToFourDirectoriesDeep() throws Exception {
        Path root = JipcRoot.path();
        if (!Files.isDirectory(root)) { // as jipc makes it: 0700
            Files.createDirectory(root, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        Path top = root.resolve("fifo-depth");
        Path fourth = top.resolve("b/c/d");
        Files.createDirectories(fourth.resolve("e"));
        List<Path> listed = List.of(top.resolve("f1"), top.resolve("b/f2"), top.resolve("b/c/f3"), fourth.resolve("f4"));
        Path fifth = fourth.resolve("e/f5");
        try {
            for (Path fifo : listed) {
                io.jipc.pipe.Fifo.create(fifo, 0600);
            }
            io.jipc.pipe.Fifo.create(fifth, 0600);
            List<String> uris = ObjectInventory.list().stream().filter(r -> r.kind().equals("fifo"))
                    .map(ObjectRow::uri).toList();
            for (Path fifo : listed) {
                assertTrue(uris.contains("fifo:" + fifo), fifo + " in " + uris);
            }
            assertFalse(uris.contains("fifo:" + fifth), "a fifth directory is not walked: " + uris);
        } finally {
            io.jipc.testkit.JipcTestExtension.deleteRecursively(top);
        }
    }

    /** DETAILS name the options a mailbox was created with beyond the defaults. */
    @Test
    void detailsNameAMailboxsOptions() {
        try (Mailbox limited = Mailbox.create("limited", MailboxOptions.builder().messageLimit(3).maxMessageSize(100)
                     .singleSender(true).waitStrategy(io.jipc.WaitStrategy.FUTEX).build());
             Mailbox rendezvous = Mailbox.create("meet", MailboxOptions.builder().messageLimit(0).build());
             Mailbox headed = Mailbox.create("headed", MailboxOptions.builder().headers(true)
                     .receivePolicy(io.jipc.mailbox.ReceivePolicy.SHARED).build());
             Mailbox linked = Mailbox.create("linked", MailboxOptions.builder().priorities(2)
                     .receivePolicy(io.jipc.mailbox.ReceivePolicy.LINK).build())) {
            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow limit = find(rows, "mailbox:limited");
            assertEquals("JIPC-MBX 2.2, messages up to 100 B, message limit 3, single sender, wait FUTEX",
                    limit.details());
            assertEquals("JIPC-MBX 2.2, messages up to 65536 B, rendezvous", find(rows, "mailbox:meet").details());
            assertEquals("JIPC-MBX 2.2, messages up to 65536 B, headers, shared receivers",
                    find(rows, "mailbox:headed").details());
            assertEquals("JIPC-MBX 2.2, messages up to 65536 B, 2 priority levels, link receive policy",
                    find(rows, "mailbox:linked").details());
            limited.put(new byte[1]);
            // a slot per message, its length a power of two: 100 B and the header round up to 256
            assertEquals(256, find(ObjectInventory.list(), "mailbox:limited").depth());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            for (String name : List.of("limited", "meet", "headed", "linked")) {
                Mailbox.destroy(name);
            }
        }
    }

    /**
     * The URI {@code ls} prints for an anonymous region is one {@code rm} takes, and {@code rm} says
     * it cannot remove it (exit 1, also with {@code --force}); it was a usage error, "no kind of
     * object has URIs 'memfd:'" (exit 2).
     */
    @Test
    void rmTakesAnAnonymousRegionsUriAndSaysItCannotBeRemoved() {
        try (AnonymousRegion anonymous = AnonymousRegion.create(5 * 4096)) {
            ObjectRow row = ObjectInventory.list().stream()
                    .filter(o -> o.kind().equals("anonymous-region") && o.capacity() == 5 * 4096 && o.users().contains(SELF))
                    .findFirst().orElseThrow();
            assertTrue(row.uri().matches("memfd:[0-9]+"), row.uri());
            for (String[] args : List.of(new String[] {"rm", row.uri()}, new String[] {"rm", "--force", row.uri()})) {
                CliRun rm = CliRun.jipc(args);
                assertEquals(1, rm.exit(), rm.err());
                assertTrue(rm.err().contains("cannot remove " + row.uri() + ": an anonymous region has no name")
                        && rm.err().contains("pid " + SELF), rm.err());
            }
            assertEquals(0, anonymous.getByte(0), "still usable");
            CliRun bad = CliRun.jipc("rm", "memfd:x1");
            assertEquals(2, bad.exit(), bad.err());
            assertTrue(bad.err().contains("an anonymous region's URI is memfd:INODE"), bad.err());
        }
        CliRun help = CliRun.jipc("rm", "--help");
        assertTrue(help.out().contains("mailbox-file:PATH") && help.out().contains("memfd:INODE")
                && help.out().contains("handoff:FILE"), help.out()); // every URI rm takes (handoff: was missing)
    }

    /**
     * An anonymous region formatted as a circular buffer ({@code CircularBuffer.format}) is listed as
     * a named buffer is: kind {@code circular-buffer}, capacity and depth in items, items taken,
     * creator, details; under its {@code memfd:INODE} URI, which {@code rm} still cannot remove. It was
     * an {@code anonymous-region} row, {@code raw}, of the region's mapped bytes.
     */
    @Test
    void anAnonymousRegionFormattedAsACircularBufferIsListedAsOne() throws Exception {
        try (AnonymousRegion region = AnonymousRegion.create(CircularBuffer.requiredBytes(16, 8) + 4096);
             CircularBuffer buffer = CircularBuffer.format(region, 16, 8)) {
            for (int i = 0; i < 3; i++) {
                buffer.put(new byte[16]);
            }
            buffer.take();
            ObjectRow row = anonymousOfThisProcess(ObjectInventory.list());
            assertEquals("circular-buffer", row.kind(), row.toString());
            assertTrue(row.uri().matches("memfd:[0-9]+") && row.path().startsWith("/memfd:jipc-"), row.toString());
            assertEquals(8, row.capacity());
            assertEquals(2, row.depth());
            assertEquals("items", row.unit());
            assertEquals(1, row.counter(), "items taken, for jipc top");
            assertEquals(SELF, row.ownerPid());
            assertEquals(OwnerState.ALIVE, row.owner());
            assertEquals("JIPC-CBF 1.0, items of 16 B", row.details());
            assertEquals(-1, row.uid(), "the memory file's owner is not recorded");
            assertFalse(row.stale());
            assertTrue(CliRun.jipc("ls", "--kind", "circular-buffer").out().lines()
                    .anyMatch(line -> line.matches("circular-buffer +" + row.uri() + " +" + SELF + " alive .* 8 items +2 items .*"
                            + "JIPC-CBF 1\\.0, items of 16 B")), CliRun.jipc("ls").out());
            assertFalse(CliRun.jipc("ls", "--kind", "anonymous-region").out().contains(row.uri() + " "));
            CliRun rm = CliRun.jipc("rm", "--force", row.uri());
            assertEquals(1, rm.exit(), rm.err());
            assertTrue(rm.err().contains("cannot remove " + row.uri() + ": an anonymous region has no name"), rm.err());
            assertEquals(2, buffer.size(), "untouched");
        }
    }

    /**
     * A header in an anonymous region that claims a circular buffer its openers would refuse (torn,
     * or written by a hostile process) leaves the region a raw {@code anonymous-region} row, with a
     * note saying why once the header is ready; the listing never fails.
     */
    @Test
    void anAnonymousRegionWithABrokenBufferHeaderIsListedRawWithANote() {
        long size = CircularBuffer.requiredBytes(16, 8);
        record Damage(String what, long offset, int bytes, long value, String note) {
        }
        List<Damage> damages = List.of(
                new Damage("capacity not a power of two", io.jipc.shm.CircularBufferDescriptor.CAPACITY_OFFSET, 4, 3,
                        "raw; not read as a circular buffer: circular buffer of 3 items of 16 B: capacity must be a"
                                + " power of two from 2 to 1073741824 items: 3"),
                new Damage("more items than the region holds", io.jipc.shm.CircularBufferDescriptor.CAPACITY_OFFSET, 4,
                        1 << 20, "raw; not read as a circular buffer: circular buffer of 1048576 items of 16 B needs "),
                new Damage("a header length of 0", SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, 4, 0,
                        "raw; not read as a circular buffer: the file "),
                new Damage("a file length of 1", SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, 8, 1,
                        "raw; not read as a circular buffer: the file "),
                new Damage("major version 9", SegmentHeaderDescriptor.VERSION_OFFSET, 4,
                        SegmentHeaderDescriptor.version(9, 0), "raw; not read as a circular buffer: the file "),
                new Damage("version 0 (being formatted)", SegmentHeaderDescriptor.VERSION_OFFSET, 4, 0, "raw"));
        for (Damage damage : damages) {
            try (AnonymousRegion region = AnonymousRegion.create(size)) {
                CircularBuffer.format(region, 16, 8).close();
                if (damage.bytes() == 4) {
                    region.setInt(damage.offset(), (int) damage.value());
                } else {
                    region.setLong(damage.offset(), damage.value());
                }
                ObjectRow row = anonymousOfThisProcess(ObjectInventory.list());
                assertEquals("anonymous-region", row.kind(), damage.what() + ": " + row);
                assertTrue(row.capacity() >= size, "its mapped bytes: " + row);
                assertTrue(damage.note().equals("raw") ? row.details().equals("raw")
                        : row.details().startsWith(damage.note()), damage.what() + ": " + row);
                assertEquals(OwnerState.UNKNOWN, row.owner(), "an untrusted header names no owner: " + row);
            }
        }
    }

    /** The one anonymous region this process maps (the test's own). */
    static ObjectRow anonymousOfThisProcess(List<ObjectRow> rows) {
        List<ObjectRow> mine = rows.stream().filter(r -> r.uri().startsWith("memfd:") && r.users().contains(SELF)).toList();
        assertEquals(1, mine.size(), mine.toString());
        return mine.getFirst();
    }

    /**
     * A header whose item size or capacity no buffer may have is an error row that says which is
     * wrong; until 2026-12-06 it said only {@code circular buffer of 8 items of 2147483647 B}.
     */
    @Test
    void aCircularBufferWithAnImpossibleItemSizeOrCapacityIsAnErrorRowThatSaysWhich() throws Exception {
        CircularBuffer.create("hostile", 16, 8).close();
        try {
            writeInt(SharedRegion.path("hostile"), io.jipc.shm.CircularBufferDescriptor.ITEM_SIZE_OFFSET, 0x7fffffff);
            assertEquals("error: circular buffer of 8 items of 2147483647 B: item size must be 1 to 1048576 bytes:"
                    + " 2147483647", find(ObjectInventory.list(), "region:hostile").details());
            writeInt(SharedRegion.path("hostile"), io.jipc.shm.CircularBufferDescriptor.ITEM_SIZE_OFFSET, 16);
            writeInt(SharedRegion.path("hostile"), io.jipc.shm.CircularBufferDescriptor.CAPACITY_OFFSET, -2);
            assertEquals("error: circular buffer of -2 items of 16 B: capacity must be a power of two from 2 to"
                    + " 1073741824 items: -2", find(ObjectInventory.list(), "region:hostile").details());
        } finally {
            SharedRegion.unlink("hostile");
        }
    }

    /** Writes {@code value} (native order) at {@code offset} of {@code file}. */
    private static void writeInt(Path file, long offset, int value) throws java.io.IOException {
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, value), offset);
        }
    }

    @Test
    void aCircularBufferWhoseHeaderClaimsMoreItemsThanItsFileHoldsIsAnErrorRow() throws Exception {
        CircularBuffer.create("claims", 8, 2).close();
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(SharedRegion.path("claims"),
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 1 << 30),
                    io.jipc.shm.CircularBufferDescriptor.CAPACITY_OFFSET);
        }
        try {
            ObjectRow row = find(ObjectInventory.list(), "region:claims");
            assertEquals(-1, row.capacity(), row.toString());
            long size = Files.size(SharedRegion.path("claims"));
            assertEquals("error: circular buffer of 1073741824 items of 8 B needs "
                    + io.jipc.shm.CircularBufferDescriptor.length(8, 1 << 30) + " B; the file has " + size + " B",
                    row.details());
        } finally {
            SharedRegion.unlink("claims");
        }
    }

    /**
     * A circular buffer stuck at a put or take that never finished (its process killed inside it)
     * says so in its details: the head item claimed but never published, or the slot of the next
     * put never released. Written into the file as such a process leaves it; before, the row showed
     * only the depth, and nothing told the user that the buffer had to be re-created.
     */
    @Test
    void aCircularBufferStuckAtAnUnfinishedPutOrTakeSaysSo() throws Exception {
        long enqueue = io.jipc.shm.CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET;
        long dequeue = io.jipc.shm.CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET;
        try (CircularBuffer put = CircularBuffer.create("put-died", 8, 4);
             CircularBuffer take = CircularBuffer.create("take-died", 8, 4)) {
            assertFalse(find(ObjectInventory.list(), "region:put-died").details().contains("not yet"),
                    "a buffer at rest has nothing to say");
            write(SharedRegion.path("put-died"), enqueue, 8, 1); // position 0 claimed, never published
            for (int i = 0; i < 4; i++) {
                take.put(new byte[8]);
            }
            write(SharedRegion.path("take-died"), dequeue, 8, 1); // item 0 claimed, its slot never released
            String putDied = find(ObjectInventory.list(), "region:put-died").details();
            assertTrue(putDied.endsWith("; head item not yet published (a put in progress, or its producer died:"
                    + " then takes stop here until the buffer is re-created)"), putDied);
            String takeDied = find(ObjectInventory.list(), "region:take-died").details();
            assertTrue(takeDied.endsWith("; slot of the next put not yet released (a take in progress, or its"
                    + " consumer died: then puts stop here until the buffer is re-created)"), takeDied);
            assertFalse(takeDied.contains("head item"), "the head item is published: " + takeDied);
        } finally {
            CircularBuffer.destroy("put-died");
            CircularBuffer.destroy("take-died");
        }
    }

    /**
     * A file whose common header's lengths the openers refuse (file length 0, header length 0) is an
     * error row with the openers' reason, of every kind: owner unknown, so never stale and never
     * removed by gc, even though its creator (as the header records it) is dead.
     */
    @Test
    void aFileWhoseHeaderLengthsTheOpenersRefuseIsAnErrorRowThatGcKeeps() throws Exception {
        io.jipc.sync.ProcessMutex.create("lengths").close();
        Mailbox.create("lengths").close();
        io.jipc.mailbox.UnboundedMailbox.create("lengths").close();
        CircularBuffer.create("lengths", 8, 2).close();
        List<Path> files = List.of(JipcRoot.path(io.jipc.sync.SyncFileDescriptor.DIRECTORY).resolve("lengths"),
                Mailbox.path("lengths"), io.jipc.mailbox.UnboundedMailbox.path("lengths"), SharedRegion.path("lengths"));
        List<String> uris = List.of("sync:lengths", "mailbox:lengths", "unbounded:lengths", "region:lengths");
        try {
            for (Path file : files) { // the creator recorded is this pid with another start time: dead
                write(file, SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET, 8, 12345);
                write(file, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, 8, 0);
            }
            List<ObjectRow> rows = ObjectInventory.list();
            for (int i = 0; i < files.size(); i++) {
                ObjectRow row = find(rows, uris.get(i));
                long length = i == 3 ? io.jipc.shm.CircularBufferDescriptor.length(8, 2) : Files.size(files.get(i));
                assertEquals("error: the file says it is 0 bytes long but is " + length, row.details());
                assertEquals(OwnerState.UNKNOWN, row.owner(), row.toString());
                assertFalse(row.stale(), row.toString());
            }
            CliRun gc = CliRun.jipc("gc", "--dry-run", "--include-unread");
            for (String uri : uris) {
                assertFalse(gc.out().contains(uri), gc.out());
            }
            for (Path file : files) {
                write(file, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, 4, 0);
            }
            rows = ObjectInventory.list();
            for (String uri : uris) {
                assertEquals("error: the file has header length 0, expected 128", find(rows, uri).details());
            }
            for (int i = 0; i < files.size(); i++) { // removed when named
                CliRun rm = CliRun.jipc("rm", uris.get(i));
                assertEquals(0, rm.exit(), rm.out() + rm.err());
                assertFalse(Files.exists(files.get(i)), uris.get(i));
            }
        } finally {
            io.jipc.sync.ProcessMutex.destroy("lengths");
            Mailbox.destroy("lengths");
            io.jipc.mailbox.UnboundedMailbox.destroy("lengths");
            SharedRegion.unlink("lengths");
        }
    }

    /*
     * An entry that is not a regular file by its lstat, planted in a kind directory of the jipc root
     * (where jipc puts only regular files), is an error row of that kind in ls (text and JSON) and
     * top, never stale, left alone by gc, and removed itself by rm URI: a link unlinked (its target
     * untouched), a socket or FIFO never opened, a directory only if empty.
     */

    @Test
    void aSymbolicLinkToAFileInAKindDirectoryIsAnErrorRowThatRmUnlinksWithoutFollowing() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "not a mailbox");
        Path link = Files.createSymbolicLink(JipcRoot.directory("mailbox").resolve("link"), target);
        try {
            assertErrorRowThatRmRemoves("mailbox:link", link, "a symbolic link (not followed)");
            assertEquals("not a mailbox", Files.readString(target), "the link's target is untouched");
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void aSymbolicLinkToADirectoryInAKindDirectoryIsAnErrorRowThatRmUnlinksWithoutFollowing() throws Exception {
        Path target = Files.createDirectory(dir.resolve("target"));
        Path inside = Files.writeString(target.resolve("inside"), "kept");
        Path link = Files.createSymbolicLink(JipcRoot.directory("region").resolve("link"), target);
        try {
            assertErrorRowThatRmRemoves("region:link", link, "a symbolic link (not followed)");
            assertEquals("kept", Files.readString(inside), "the link's target and what it holds are untouched");
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void aSocketInAKindDirectoryIsAnErrorRowThatTopShowsAndRmUnlinks() throws Exception {
        Path socket = JipcRoot.directory("sync").resolve("socket");
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(socket));
        } // closed: its file stays
        try {
            CliRun top = CliRun.jipc("top", "--once", "--interval", "10ms");
            assertEquals(0, top.exit(), top.err());
            assertTrue(top.out().lines().anyMatch(l -> l.startsWith("sync ") && l.contains(" sync:socket ")
                    && l.endsWith("-  error: not a regular file")), top.out());
            assertErrorRowThatRmRemoves("sync:socket", socket, "not a regular file");
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocking open
    void aFifoInAKindDirectoryIsAnErrorRowOfThatKindNotAFifoRowAndRmUnlinksItWithoutOpening() throws Exception {
        Path fifo = JipcRoot.directory("group").resolve("pipe");
        Path segmentNamed = JipcRoot.directory("unbounded").resolve("log@1"); // any name: not a segment
        io.jipc.platform.Libc.mkfifo(fifo.toString(), 0600);
        io.jipc.platform.Libc.mkfifo(segmentNamed.toString(), 0600);
        try {
            assertFalse(CliRun.jipc("ls").out().contains("fifo:"), "one row per entry: its kind's error row");
            assertErrorRowThatRmRemoves("group:pipe", fifo, "not a regular file");
            assertErrorRowThatRmRemoves("unbounded:log@1", segmentNamed, "not a regular file");
        } finally {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(segmentNamed);
        }
    }

    @Test
    void aSubdirectoryInAKindDirectoryIsAnErrorRowThatRmRemovesOnlyIfEmpty() throws Exception {
        Path full = Files.createDirectory(JipcRoot.directory("mailbox").resolve("full"));
        Path file = Files.writeString(full.resolve("file"), "x");
        Path empty = Files.createDirectory(JipcRoot.directory("mailbox").resolve("empty"));
        try {
            CliRun rm = CliRun.jipc("rm", "mailbox:full");
            assertEquals(1, rm.exit(), rm.out() + rm.err());
            assertEquals("jipc rm: mailbox:full: not removing " + full + ": a directory that is not empty (what it"
                    + " holds is nothing jipc made); look into it, and remove it with rm -r " + full + "\n", rm.err());
            assertTrue(Files.exists(file), "nothing removed");
            assertErrorRowThatRmRemoves("mailbox:empty", empty, "a directory (not a regular file)");
            Files.delete(file);
            assertErrorRowThatRmRemoves("mailbox:full", full, "a directory (not a regular file)");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(full);
            Files.deleteIfExists(empty);
        }
    }

    /*
     * An entry of <root>/names that the name service skips as corrupt or foreign (register over it says
     * "unregister the name to remove it") is a name error row of ls, kept by gc, and removed by
     * rm name:NAME through the name service's unregister. Until 2026-12-06 ls did not list it and rm
     * answered "no object name:X (jipc ls lists them)", exit 1: only a Java program could remove it.
     */

    @Test
    void aCorruptNameEntryIsAnErrorRowThatRmRemovesAsRegisterAdvises() throws Exception {
        Path names = JipcRoot.directory("names");
        Path garbage = Files.writeString(names.resolve("svc%garbage"), "not an entry\n");
        Path huge = Files.write(names.resolve("huge"), new byte[io.jipc.naming.spi.NameEntryCodec.MAX_BYTES + 10]);
        Path wrong = names.resolve("wrong-name");
        try (NameService service = NameService.open(NamingConfiguration.LOCAL)) {
            service.bind("good", NameRecord.of("test", "1", "nowhere"));
            Files.copy(names.resolve("good"), wrong);
            io.jipc.naming.CorruptNameEntryException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    io.jipc.naming.CorruptNameEntryException.class,
                    () -> service.register("svc/garbage", NameRecord.of("test", "2", "x")));
            assertTrue(refused.getMessage().endsWith("unregister the name to remove it"), refused.getMessage());
            assertErrorRowThatRmRemoves("name:svc/garbage", garbage, "not a jipc name entry");
            assertErrorRowThatRmRemoves("name:huge", huge, "longer than 16384 bytes");
            assertErrorRowThatRmRemoves("name:wrong-name", wrong, "it holds the name 'good'");
            assertTrue(service.lookup("good").isPresent(), "the valid entry is listed and stays");
            assertTrue(service.unregister("good"));
        } finally {
            Files.deleteIfExists(garbage);
            Files.deleteIfExists(huge);
            Files.deleteIfExists(wrong);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocking open
    void aLinkOrFifoWhereANamesFileBelongsIsANameErrorRowThatRmRemovesWithoutFollowingOrOpening() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "not a name");
        Path link = Files.createSymbolicLink(JipcRoot.directory("names").resolve("svc%link"), target);
        Path fifo = JipcRoot.directory("names").resolve("pipe");
        io.jipc.platform.Libc.mkfifo(fifo.toString(), 0600);
        try {
            assertFalse(CliRun.jipc("ls").out().contains("fifo:"), "one row per entry: the name's error row");
            assertErrorRowThatRmRemoves("name:svc/link", link, "a symbolic link (not followed)");
            assertEquals("not a name", Files.readString(target), "the link's target is untouched");
            assertErrorRowThatRmRemoves("name:pipe", fifo, "not a regular file");
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(fifo);
        }
    }

    @Test
    void aDirectoryWhereANamesFileBelongsIsRemovedByRmOnlyIfEmpty() throws Exception {
        Path full = Files.createDirectory(JipcRoot.directory("names").resolve("full"));
        Path file = Files.writeString(full.resolve("file"), "x");
        try {
            CliRun rm = CliRun.jipc("rm", "name:full");
            assertEquals(1, rm.exit(), rm.out() + rm.err());
            assertEquals("jipc rm: name:full: not removing the name 'full': its entry " + full + " is a directory"
                    + " that is not empty (what it holds is nothing jipc made); look into it, and remove it with rm -r "
                    + full + "\n", rm.err());
            assertTrue(Files.exists(file), "nothing removed");
            Files.delete(file);
            assertErrorRowThatRmRemoves("name:full", full, "a directory (not a regular file)");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(full);
        }
    }

    @Test
    void anotherUsersCorruptNameEntryIsRemovedOnlyWithForce() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.jipc.platform.Libc.geteuid() == 0,
                "only root can give a file to another user");
        Path theirs = Files.writeString(JipcRoot.directory("names").resolve("theirs"), "not an entry\n");
        try {
            Files.setAttribute(theirs, "unix:uid", 65534);
            ObjectRow row = find(ObjectInventory.list(), "name:theirs");
            assertEquals("error: owned by uid 65534, not by this user (uid 0)", row.details());
            CliRun rm = CliRun.jipc("rm", "name:theirs");
            assertEquals(1, rm.exit(), rm.out() + rm.err());
            assertEquals("jipc rm: not removing name:theirs: owned by uid 65534, not by this user (uid 0)"
                    + " (--force removes it anyway)\n", rm.err());
            assertTrue(Files.exists(theirs));
            CliRun forced = CliRun.jipc("rm", "--force", "name:theirs");
            assertEquals(0, forced.exit(), forced.out() + forced.err());
            assertFalse(Files.exists(theirs));
        } finally {
            Files.deleteIfExists(theirs);
        }
    }

    /**
     * {@code entry}, planted where {@code uri} names it: a row of {@code ls} (text and JSON) of the URI's
     * kind, owner unknown, never stale, with the error {@code words}; {@code gc --include-unread} keeps
     * it; {@code rm URI} removes the entry itself (not what a link points to) and says what it removed.
     */
    private static void assertErrorRowThatRmRemoves(String uri, Path entry, String words) {
        String kind = uri.substring(0, uri.indexOf(':'));
        CliRun ls = CliRun.jipc("ls");
        assertEquals(0, ls.exit(), ls.err());
        String line = ls.out().lines().filter(l -> l.contains(" " + uri + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + uri + " in\n" + ls.out()));
        assertTrue(line.startsWith(kind + " ") && line.contains(" unknown ") && line.endsWith(" error: " + words), line);
        CliRun json = CliRun.jipc("ls", "--json");
        assertEquals(0, json.exit(), json.err());
        String object = json.out().lines().filter(l -> l.contains("\"uri\": \"" + uri + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + uri + " in\n" + json.out()));
        assertTrue(object.startsWith("  {\"kind\": \"" + kind + "\", \"uri\": \"" + uri + "\", \"path\": \"" + entry
                + "\", \"ownerPid\": -1, \"owner\": \"unknown\", \"stale\": false"), object);
        assertTrue(object.contains(", \"details\": \"error: " + words + "\", \"holds\": \"\""), object);
        CliRun gc = CliRun.jipc("gc", "--include-unread");
        assertFalse(gc.out().contains(uri), gc.out());
        assertTrue(Files.exists(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS), "gc leaves " + entry);
        CliRun rm = CliRun.jipc("rm", uri);
        assertEquals(0, rm.exit(), rm.out() + rm.err());
        assertEquals("removed " + uri + ": " + entry + ", " + words + "\n", rm.out());
        assertFalse(Files.exists(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS), entry + " removed");
    }

    private static void write(Path file, long offset, int bytes, long value) throws java.io.IOException {
        io.jipc.testkit.FileBytes.write(file, offset, bytes, value);
    }

    static ObjectRow find(List<ObjectRow> rows, String uri) {
        return rows.stream().filter(o -> o.uri().equals(uri)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + uri + " in " + rows));
    }
}
