package io.jipc.group;

import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.mailbox.Mailbox;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group files that were truncated, overwritten or forged by hand ({@code <jipc root>/group/<name>})
 * are refused by {@link ProcessGroup#join(String, GroupOptions)}, with the group's size
 * ({@code GroupOptions.of(4)}) and with {@code GroupOptions.of(0)} (any size), with a clear jipc
 * exception: never an access outside the file, never an allocation sized by a value read from it,
 * never a wait longer than the 2 s ready timeout of a file that was never published. Forged files
 * that are valid (a later minor version, dead processes in the slots) are joined, and the last
 * member removes them. The descriptor's constants agree with its memory layouts.
 *
 * <p>The tests at the end are of defects these tests found, since fixed.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupFileHostileTest {
    private static final int SIZE = 4;
    /** A pid above the largest pid_max Linux allows (2^22): never a live process. */
    private static final long DEAD_PID = (1L << 22) + 1;

    private final List<String> forged = new ArrayList<>();

    // ------------------------------------------------------------------ writing files by hand

    private static Path path(String name) {
        return JipcRoot.path(GroupDescriptor.DIRECTORY).resolve(name);
    }

    /** A valid group file of {@code slots} slots that says it has {@code size} ranks, as bytes. */
    private static byte[] groupFile(int size, int slots, long inboxBytes, int maxMessage) {
        int length = (int) GroupDescriptor.fileLength(slots);
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        ProcessIdentity self = ProcessIdentity.current();
        b.putLong(SegmentHeaderDescriptor.MAGIC_OFFSET, GroupDescriptor.MAGIC);
        b.putInt(SegmentHeaderDescriptor.VERSION_OFFSET,
                SegmentHeaderDescriptor.version(GroupDescriptor.MAJOR_VERSION, GroupDescriptor.MINOR_VERSION));
        b.putInt(SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, SegmentHeaderDescriptor.LENGTH);
        b.putLong(SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, length);
        b.putLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET, self.pid());
        b.putLong(SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET, self.startTime());
        b.putLong(SegmentHeaderDescriptor.CREATED_AT_OFFSET, System.currentTimeMillis());
        b.putLong(SegmentHeaderDescriptor.OBJECT_ID_OFFSET, 0x5EED_0000_0000_0001L);
        b.putInt(GroupDescriptor.SIZE_OFFSET, size);
        b.putLong(GroupDescriptor.INBOX_BYTES_OFFSET, inboxBytes);
        b.putInt(GroupDescriptor.MAX_MESSAGE_OFFSET, maxMessage);
        return b.array();
    }

    private static byte[] validFile() {
        return groupFile(SIZE, SIZE, 64 * 1024, 4096);
    }

    private static byte[] with(byte[] file, Consumer<ByteBuffer> change) {
        byte[] copy = file.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
        return copy;
    }

    /** Writes {@code bytes} as group {@code name}, mode 0600 like jipc would; removed after the test. */
    private Path forge(String name, byte[] bytes) throws IOException {
        return forge(name, bytes, "rw-------");
    }

    private Path forge(String name, byte[] bytes, String mode) throws IOException {
        JipcRoot.directory(GroupDescriptor.DIRECTORY);
        Path path = path(name);
        forged.add(name);
        Files.deleteIfExists(path);
        Files.write(path, bytes, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        return path;
    }

    @AfterEach
    void removeForgedFilesAndCheckNoInboxIsLeft() throws IOException {
        for (String name : forged) {
            Path path = path(name);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(path);
            } else {
                Files.deleteIfExists(path);
            }
        }
        Path mailboxes = JipcRoot.path("mailbox");
        if (Files.isDirectory(mailboxes)) {
            try (Stream<Path> files = Files.list(mailboxes)) {
                List<String> inboxes = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("group."))
                        .toList();
                for (String inbox : inboxes) {
                    Mailbox.destroy(inbox);
                }
                assertEquals(List.of(), inboxes, "inboxes left behind by refused or failed joins");
            }
        }
    }

    /**
     * Joining {@code name} with the group's size and with size 0 is refused with {@code type}, whose
     * message mentions {@code part}; the file is still there afterwards (a refused join removes
     * nothing it did not create).
     */
    private static <T extends RuntimeException> void refused(String name, Class<T> type, String part) {
        for (GroupOptions options : List.of(GroupOptions.of(SIZE), GroupOptions.of(0))) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> ProcessGroup.join(name, options).close(),
                    "join with " + options);
            if (!type.isInstance(e)) {
                throw new AssertionError("expected " + type.getSimpleName() + " for " + name + " with size "
                        + options.size() + ", got " + e, e);
            }
            assertTrue(e.getMessage() != null && e.getMessage().contains(part),
                    "expected '" + part + "' in: " + e.getMessage());
            assertTrue(Files.exists(path(name), LinkOption.NOFOLLOW_LINKS), "the refused file was removed");
        }
    }

    // ------------------------------------------------------------------ the layout

    private static void offset(StructLayout layout, String field, long constant) {
        assertEquals(constant, layout.byteOffset(PathElement.groupElement(field)), field);
    }

    /**
     * A mark says which member of the lost rank it is about (format 3.1); a mark whose lost word is
     * not of its own incarnation (written by a 3.0 member, which leaves an earlier holder's lost word
     * in place) does not say, and counts against any member of the lost rank, as in 3.0.
     */
    @Test
    void aMarkSaysWhichMemberOfTheLostRankItIsAboutOnlyWithItsOwnLostWord() {
        try (MemberTable table = MemberTable.create("marks", GroupOptions.of(SIZE))) {
            assertEquals(null, table.broken(0, 5));
            table.markBroken(0, 5, 1, 7);
            MemberTable.BrokenMark mark = table.broken(0, 5);
            assertEquals(new MemberTable.BrokenMark(1, 7), mark);
            assertTrue(mark.about(7));
            assertFalse(mark.about(8), "a later member of rank 1 is not the lost one");
            assertEquals(null, table.broken(0, 4), "another member of rank 0 made no mark");
            // a 3.0 member of rank 0, incarnation 6, marks: the broken word only
            ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong((6L << 32) | 2);
            try (var file = java.nio.channels.FileChannel.open(table.path(), StandardOpenOption.WRITE)) {
                file.write(word.flip(), GroupDescriptor.SLOTS_OFFSET + GroupDescriptor.SLOT_BROKEN_OFFSET);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            MemberTable.BrokenMark old = table.broken(0, 6);
            assertEquals(new MemberTable.BrokenMark(1, -1), old);
            assertTrue(old.about(8), "not knowing which, it counts against the member there");
            table.unlink();
        }
    }

    @Test
    void theDescriptorConstantsAgreeWithItsLayouts() {
        StructLayout l = GroupDescriptor.LAYOUT;
        offset(l, "header", 0);
        assertEquals(SegmentHeaderDescriptor.LENGTH, l.select(PathElement.groupElement("header")).byteSize());
        offset(l, "size", GroupDescriptor.SIZE_OFFSET);
        offset(l, "waiters", GroupDescriptor.WAITERS_OFFSET);
        offset(l, "sequence", GroupDescriptor.SEQUENCE_OFFSET);
        offset(l, "maxMessage", GroupDescriptor.MAX_MESSAGE_OFFSET);
        offset(l, "inboxBytes", GroupDescriptor.INBOX_BYTES_OFFSET);
        offset(l, "closer", GroupDescriptor.CLOSER_OFFSET);
        offset(l, "closed", GroupDescriptor.CLOSED_OFFSET);
        assertEquals(GroupDescriptor.SLOTS_OFFSET, l.byteSize());
        assertEquals(SegmentHeaderDescriptor.LENGTH, GroupDescriptor.SIZE_OFFSET);
        StructLayout s = GroupDescriptor.SLOT_LAYOUT;
        offset(s, "owner", GroupDescriptor.SLOT_OWNER_OFFSET);
        offset(s, "joined", GroupDescriptor.SLOT_JOINED_OFFSET);
        offset(s, "incarnation", GroupDescriptor.SLOT_INCARNATION_OFFSET);
        offset(s, "broken", GroupDescriptor.SLOT_BROKEN_OFFSET);
        offset(s, "lost", GroupDescriptor.SLOT_BROKEN_LOST_OFFSET);
        assertEquals(GroupDescriptor.SLOT_LENGTH, s.byteSize());
        // the words used with atomic access are naturally aligned in the file
        assertEquals(0, GroupDescriptor.CLOSER_OFFSET % 8);
        for (long at : new long[] {GroupDescriptor.CLOSED_OFFSET, GroupDescriptor.WAITERS_OFFSET,
                GroupDescriptor.SEQUENCE_OFFSET, GroupDescriptor.SLOT_INCARNATION_OFFSET}) {
            assertEquals(0, at % 4, "offset " + at);
        }
        assertEquals(0, GroupDescriptor.SLOTS_OFFSET % 64);
        assertEquals(0, GroupDescriptor.SLOT_OWNER_OFFSET % 8);
        assertEquals(0, GroupDescriptor.SLOT_JOINED_OFFSET % 8);
        assertEquals(0, GroupDescriptor.SLOT_BROKEN_OFFSET % 8);
        assertEquals(0, GroupDescriptor.SLOT_BROKEN_LOST_OFFSET % 8);
        assertEquals(GroupDescriptor.SLOTS_OFFSET + 3L * GroupDescriptor.SLOT_LENGTH, GroupDescriptor.fileLength(3));
        assertEquals(GroupDescriptor.SLOTS_OFFSET + 1024L * 64, GroupDescriptor.fileLength(GroupDescriptor.MAX_SIZE));
        assertEquals(SegmentHeaderDescriptor.magic("JIPC-GRP"), GroupDescriptor.MAGIC);
        assertEquals("group.g.3.4294967295", GroupDescriptor.inboxName("g", 3, -1));
    }

    @Test
    void aGroupFileWrittenByJipcHasTheDocumentedLayout() throws Exception {
        try (ProcessGroup g = ProcessGroup.join("written", GroupOptions.of(3).withInboxBytes(8192).withMaxMessageSize(2000))) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path("written"))).order(ByteOrder.nativeOrder());
            assertEquals(GroupDescriptor.fileLength(3), b.capacity());
            assertEquals(GroupDescriptor.MAGIC, b.getLong(SegmentHeaderDescriptor.MAGIC_OFFSET));
            assertEquals(SegmentHeaderDescriptor.version(GroupDescriptor.MAJOR_VERSION, GroupDescriptor.MINOR_VERSION),
                    b.getInt(SegmentHeaderDescriptor.VERSION_OFFSET));
            assertEquals(3, b.getInt(GroupDescriptor.SIZE_OFFSET));
            assertEquals(0, b.getLong(GroupDescriptor.CLOSER_OFFSET));
            assertEquals(0, b.getInt(GroupDescriptor.CLOSED_OFFSET));
            assertEquals(8192, b.getLong(GroupDescriptor.INBOX_BYTES_OFFSET));
            assertEquals(2000, b.getInt(GroupDescriptor.MAX_MESSAGE_OFFSET));
            int slot = GroupDescriptor.SLOTS_OFFSET + g.rank() * GroupDescriptor.SLOT_LENGTH;
            long token = ProcessIdentity.current().token();
            assertEquals(token, b.getLong(slot + GroupDescriptor.SLOT_OWNER_OFFSET));
            assertEquals(token, b.getLong(slot + GroupDescriptor.SLOT_JOINED_OFFSET));
            assertEquals(1, b.getInt(slot + GroupDescriptor.SLOT_INCARNATION_OFFSET));
            for (int at = 156; at < GroupDescriptor.SLOTS_OFFSET; at++) {
                assertEquals(0, b.get(at), "reserved byte " + at);
            }
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path("written"))));
        }
        assertFalse(ProcessGroup.exists("written"));
    }

    /**
     * Looking for a group refuses a {@code group/} directory open to others, as joining does (until
     * 2026-12-06 {@code exists} did not check it).
     */
    @Test
    void aGroupDirectoryOpenToOthersIsRefused() throws IOException {
        try (ProcessGroup g = ProcessGroup.join("guarded", GroupOptions.of(2))) {
            Path dir = JipcRoot.path(GroupDescriptor.DIRECTORY);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                assertThrows(InsecureFileException.class, () -> ProcessGroup.exists("guarded"));
                assertThrows(InsecureFileException.class, () -> ProcessGroup.join("guarded", GroupOptions.of(0)));
            } finally {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            assertTrue(ProcessGroup.exists("guarded"));
        }
    }

    // ------------------------------------------------------------------ valid forged files are accepted

    @Test
    void aValidFileWrittenByHandIsJoinedAndItsLastMemberRemovesIt() throws Exception {
        forge("valid", validFile());
        try (ProcessGroup a = ProcessGroup.join("valid", GroupOptions.of(SIZE));
             ProcessGroup b = ProcessGroup.join("valid", GroupOptions.of(0))) {
            assertEquals(List.of(0, 1), List.of(a.rank(), b.rank()));
            assertEquals(SIZE, b.size());
            assertEquals(4096, a.maxMessageSize(), "the file's limit wins");
            a.send(1, new byte[4096]);
            assertEquals(4096, b.receive().payload().length);
        }
        assertFalse(ProcessGroup.exists("valid"));
    }

    @Test
    void aLaterMinorVersionIsJoined() throws Exception {
        forge("minor", with(validFile(), b -> b.putInt(SegmentHeaderDescriptor.VERSION_OFFSET,
                SegmentHeaderDescriptor.version(GroupDescriptor.MAJOR_VERSION, 9))));
        try (ProcessGroup g = ProcessGroup.join("minor", GroupOptions.of(0))) {
            assertEquals(0, g.rank());
        }
        assertFalse(ProcessGroup.exists("minor"));
    }

    @Test
    void slotsOfDeadProcessesAndGarbageIncarnationsAreTakenOver() throws Exception {
        long dead = DEAD_PID << 32 | 12345;
        forge("dead", with(validFile(), b -> {
            for (int r = 0; r < SIZE; r++) {
                int slot = GroupDescriptor.SLOTS_OFFSET + r * GroupDescriptor.SLOT_LENGTH;
                b.putLong(slot + GroupDescriptor.SLOT_OWNER_OFFSET, dead + r);
                b.putLong(slot + GroupDescriptor.SLOT_JOINED_OFFSET, dead + r);
                b.putInt(slot + GroupDescriptor.SLOT_INCARNATION_OFFSET, new int[] {-1, Integer.MAX_VALUE, 0, 77}[r]);
            }
        }));
        try (ProcessGroup g = ProcessGroup.join("dead", GroupOptions.of(SIZE).withRank(1));
             ProcessGroup h = ProcessGroup.join("dead", GroupOptions.of(0))) {
            assertEquals(1, g.rank());
            assertEquals(0, h.rank());
            assertEquals(List.of(new GroupMember(0, ProcessHandle.current().pid(), 0),
                    new GroupMember(1, ProcessHandle.current().pid(), Integer.MIN_VALUE)), g.members());
            assertTrue(Mailbox.exists(GroupDescriptor.inboxName("dead", 0, 0)));
            assertTrue(Mailbox.exists(GroupDescriptor.inboxName("dead", 1, Integer.MIN_VALUE)));
            g.send(0, new byte[] {1});
            assertEquals(1, h.receive().sender());
        }
        assertFalse(ProcessGroup.exists("dead"), "the dead owners do not keep the group");
    }

    @Test
    void aSlotHeldByAnotherLiveProcessIsNotTaken() throws Exception {
        long live = ProcessIdentity.of(1).orElseThrow().token(); // init: runs as long as this test
        forge("held", with(validFile(), b -> {
            int slot = GroupDescriptor.SLOTS_OFFSET + 2 * GroupDescriptor.SLOT_LENGTH;
            b.putLong(slot + GroupDescriptor.SLOT_OWNER_OFFSET, live);
            b.putLong(slot + GroupDescriptor.SLOT_JOINED_OFFSET, live);
            b.putInt(slot + GroupDescriptor.SLOT_INCARNATION_OFFSET, 5);
        }));
        assertThrows(GroupFullException.class, () -> ProcessGroup.join("held", GroupOptions.of(SIZE).withRank(2)));
        try (ProcessGroup g = ProcessGroup.join("held", GroupOptions.of(SIZE))) {
            assertEquals(0, g.rank());
            assertEquals(List.of(0, 2), g.members().stream().map(GroupMember::rank).toList());
            assertEquals(1, g.members().get(1).pid());
        }
        assertTrue(ProcessGroup.exists("held"), "a live process holds a rank: the group stays");
    }

    // ------------------------------------------------------------------ hostile files are refused

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 12, 60, 127})
    void aFileShorterThanTheHeaderIsRefused(int length) throws Exception {
        forge("short", Arrays.copyOf(validFile(), length));
        refused("short", CorruptSegmentException.class, "truncated");
    }

    @Test
    void anEmptyFileIsRefusedAfterTheReadyTimeout() throws Exception {
        forge("empty", new byte[0]);
        RuntimeException e = assertThrows(CorruptSegmentException.class, () -> ProcessGroup.join("empty", SIZE));
        assertTrue(e.getMessage().contains("never initialised"), e.getMessage());
    }

    @Test
    void aFileThatWasNeverPublishedIsRefusedAfterTheReadyTimeout() throws Exception {
        forge("unready", with(validFile(), b -> {
            b.putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 0);
            b.putLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET, DEAD_PID);
        }));
        RuntimeException e = assertThrows(CorruptSegmentException.class,
                () -> ProcessGroup.join("unready", GroupOptions.of(0)));
        assertTrue(e.getMessage().contains("never made ready") && e.getMessage().contains("(dead)"), e.getMessage());
    }

    /** Files of 132..191 bytes: shorter than the group's header, whatever the size field says. */
    @ParameterizedTest
    @ValueSource(ints = {132, 144, 156, 191})
    void aFileCutAfterTheSizeFieldIsRefused(int length) throws Exception {
        forge("cut", with(Arrays.copyOf(validFile(), length),
                b -> b.putLong(SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, length)));
        refused("cut", CorruptSegmentException.class, "a group file of " + length + " bytes, shorter than its "
                + GroupDescriptor.SLOTS_OFFSET + "-byte header");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void aFileShorterThanTheSlotsOfItsSizeIsRefused(int slots) throws Exception {
        // the header says the right length, the size says more ranks than there are slots
        forge("slots", groupFile(SIZE, slots, 64 * 1024, 4096));
        refused("slots", CorruptSegmentException.class, "a group of " + SIZE + " ranks");
    }

    @Test
    void aFileCutInsideItsSlotsIsRefusedByItsLength() throws Exception {
        byte[] valid = validFile();
        forge("inside", Arrays.copyOf(valid, valid.length - 10));
        refused("inside", CorruptSegmentException.class, "bytes long");
    }

    @Test
    void anotherMagicIsRefused() throws Exception {
        forge("magic", with(validFile(), b -> b.putLong(SegmentHeaderDescriptor.MAGIC_OFFSET,
                SegmentHeaderDescriptor.magic("JIPC-MBX"))));
        refused("magic", CorruptSegmentException.class, "JIPC-MBX");
        forged.clear();
        forge("magic", with(validFile(), b -> b.putLong(SegmentHeaderDescriptor.MAGIC_OFFSET, -1L)));
        refused("magic", CorruptSegmentException.class, "expected 'JIPC-GRP'");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 0x7FFF})
    void anotherMajorVersionIsRefused(int major) throws Exception { // 1: single-inbox groups; 2: allReduce(long) as op 7
        forge("major", with(validFile(), b -> b.putInt(SegmentHeaderDescriptor.VERSION_OFFSET,
                SegmentHeaderDescriptor.version(major, 0))));
        refused("major", CorruptSegmentException.class, "version " + major + ".0");
    }

    @Test
    void aVersionWordWithMajorZeroIsRefused() throws Exception {
        forge("major0", with(validFile(), b -> b.putInt(SegmentHeaderDescriptor.VERSION_OFFSET, 1)));
        refused("major0", CorruptSegmentException.class, "version 0.1");
    }

    @Test
    void anotherHeaderLengthIsRefused() throws Exception {
        forge("header", with(validFile(), b -> b.putInt(SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET, 64)));
        refused("header", CorruptSegmentException.class, "header length 64");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE, GroupDescriptor.MAX_SIZE + 1, Integer.MAX_VALUE})
    void aSizeOutsideOneTo1024IsRefused(int size) throws Exception {
        forge("size", with(validFile(), b -> b.putInt(GroupDescriptor.SIZE_OFFSET, size)));
        refused("size", CorruptSegmentException.class, "a group of " + size + " ranks");
    }

    @ParameterizedTest
    @ValueSource(ints = {SIZE + 1, 100, GroupDescriptor.MAX_SIZE})
    void aSizeLargerThanTheFileHoldsIsRefused(int size) throws Exception {
        forge("larger", with(validFile(), b -> b.putInt(GroupDescriptor.SIZE_OFFSET, size)));
        refused("larger", CorruptSegmentException.class, "a group of " + size + " ranks in a "
                + GroupDescriptor.fileLength(SIZE) + "-byte file");
    }

    static Stream<Arguments> impossibleInboxes() {
        return Stream.of(
                Arguments.of(4095L, 64),
                Arguments.of(0L, 64),
                Arguments.of(-1L, 64),
                Arguments.of(Long.MIN_VALUE, 64),
                Arguments.of(4096L, 4096 / 4 + 1),      // the largest message above a quarter of the inbox
                Arguments.of(4096L, Integer.MAX_VALUE),
                Arguments.of(1L << 20, 63),             // messages below 64 bytes
                Arguments.of(1L << 20, 0),
                Arguments.of(1L << 20, -1),
                Arguments.of(1L << 20, Integer.MIN_VALUE));
    }

    @ParameterizedTest(name = "inbox {0} bytes, messages of {1}")
    @MethodSource("impossibleInboxes")
    void impossibleInboxSettingsAreRefused(long inboxBytes, int maxMessage) throws Exception {
        forge("inbox", groupFile(SIZE, SIZE, inboxBytes, maxMessage));
        refused("inbox", CorruptSegmentException.class, "inboxes of " + inboxBytes + " bytes");
    }

    /**
     * Inbox settings that pass the group file's checks but no mailbox can have: the mailbox options
     * refuse them before anything is allocated (more than 1 TiB, a largest message whose envelope
     * does not fit in an int or above 1 GiB).
     */
    static Stream<Arguments> inboxesNoMailboxCanHave() {
        return Stream.of(
                Arguments.of(1L << 41, 64 * 1024, "inboxes of " + (1L << 41) + " bytes"),
                Arguments.of(Long.MAX_VALUE, 64 * 1024, "inboxes of " + Long.MAX_VALUE + " bytes"),
                Arguments.of(Long.MAX_VALUE, Integer.MAX_VALUE, "for messages of " + Integer.MAX_VALUE),
                Arguments.of(1L << 32, 1 << 30, "for messages of " + (1 << 30)));
    }

    @ParameterizedTest(name = "inbox {0} bytes, messages of {1}")
    @MethodSource("inboxesNoMailboxCanHave")
    void inboxSettingsNoMailboxCanHaveAreRefusedBeforeAnyAllocation(long inboxBytes, int maxMessage, String part)
            throws Exception {
        forge("nomailbox", groupFile(SIZE, SIZE, inboxBytes, maxMessage));
        refused("nomailbox", CorruptSegmentException.class, part);
        // the rank taken for the try was given back
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path("nomailbox"))).order(ByteOrder.nativeOrder());
        for (int r = 0; r < SIZE; r++) {
            assertEquals(0, b.getLong(GroupDescriptor.SLOTS_OFFSET + r * GroupDescriptor.SLOT_LENGTH
                    + GroupDescriptor.SLOT_OWNER_OFFSET), "owner of rank " + r);
        }
    }

    @Test
    void aSymbolicLinkInPlaceOfTheFileIsRefused() throws Exception {
        forge("target", validFile());
        Path link = path("link");
        forged.add("link");
        Files.createSymbolicLink(link, path("target"));
        refused("link", InsecureFileException.class, "symbolic link");
        Path dangling = path("dangling");
        forged.add("dangling");
        Files.createSymbolicLink(dangling, path("nothing-here"));
        refused("dangling", InsecureFileException.class, "symbolic link");
        assertFalse(Files.exists(path("nothing-here"), LinkOption.NOFOLLOW_LINKS), "created through the link");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-rw----", "rw-rw-rw-", "r--------", "rwx------"})
    void aFileWithAnotherModeIsRefused(String mode) throws Exception {
        forge("mode", validFile(), mode);
        String octal = "0" + Integer.toOctalString(PosixFilePermissions.fromString(mode).stream()
                .mapToInt(p -> 1 << (8 - p.ordinal())).sum());
        refused("mode", InsecureFileException.class, "mode " + octal);
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsRefused() throws Exception {
        JipcRoot.directory(GroupDescriptor.DIRECTORY);
        forged.add("dir");
        Files.createDirectory(path("dir"));
        refused("dir", InsecureFileException.class, "not a regular file");
    }

    @Test
    void aGroupThatDoesNotExistIsAGroupExceptionWithSizeZero() {
        GroupException e = assertThrows(GroupException.class, () -> ProcessGroup.join("absent", GroupOptions.of(0)));
        assertTrue(e.getMessage().contains("no process group 'absent'"), e.getMessage());
        assertFalse(ProcessGroup.exists("absent"));
    }

    // ------------------------------------------------------------------ found by these tests, fixed

    /** A group file of exactly the 128-byte header (or up to 131 bytes) is refused as corrupt, not read out of bounds. */
    @ParameterizedTest
    @ValueSource(ints = {128, 129, 131})
    void aHeaderOnlyFileIsRefusedAsCorrupt(int length) throws Exception {
        forge("header-only", with(Arrays.copyOf(validFile(), length),
                b -> b.putLong(SegmentHeaderDescriptor.FILE_LENGTH_OFFSET, length)));
        RuntimeException e = assertThrows(RuntimeException.class, () -> ProcessGroup.join("header-only", SIZE));
        assertInstanceOf(CorruptSegmentException.class, e);
    }

    /**
     * A first join that fails after it created the group's file (here: its inbox cannot be created,
     * because a file stands where the mailbox directory goes) removes the file again, so that the name
     * stays usable.
     */
    @Test
    void aFailedFirstJoinLeavesNoFileBehind() throws Exception {
        Path mailboxes = JipcRoot.path("mailbox");
        boolean hadDirectory = Files.isDirectory(mailboxes);
        if (hadDirectory) {
            try (Stream<Path> files = Files.list(mailboxes)) {
                assertEquals(0, files.count(), "no mailbox before this test");
            }
            Files.delete(mailboxes);
        }
        Files.write(mailboxes, new byte[0]);
        try {
            assertThrows(RuntimeException.class, () -> ProcessGroup.join("too-early", GroupOptions.of(2)).close());
            assertFalse(ProcessGroup.exists("too-early"), "the failed first join removed the group's file");
        } finally {
            Files.delete(mailboxes);
        }
        try (ProcessGroup g = ProcessGroup.join("too-early", GroupOptions.of(2))) {
            assertEquals(0, g.rank());
        }
        assertFalse(ProcessGroup.exists("too-early"));
    }

    /** Options no inbox mailbox can have are refused before anything is created. */
    @Test
    void inboxSettingsBeyondTheLimitsAreRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> GroupOptions.of(2).withInboxBytes(1L << 33));
        assertThrows(IllegalArgumentException.class,
                () -> GroupOptions.of(2).withInboxBytes(1L << 30).withMaxMessageSize(GroupDescriptor.MAX_MESSAGE + 1));
        assertFalse(ProcessGroup.exists("too-large"));
    }

    /**
     * The last member found the group empty (closed = 1) and died before removing the file: the next
     * joiner removes it and starts a new group.
     */
    @Test
    void aGroupLeftByADeadRemoverIsReplacedByTheNextJoiner() throws Exception {
        forge("closed", with(validFile(), b -> {
            b.putLong(GroupDescriptor.CLOSER_OFFSET, DEAD_PID << 32 | 7);
            b.putInt(GroupDescriptor.CLOSED_OFFSET, 1);
        }));
        try (ProcessGroup g = ProcessGroup.join("closed", GroupOptions.of(SIZE))) {
            assertEquals(0, g.rank());
            assertTrue(ProcessGroup.exists("closed"));
        }
        assertFalse(ProcessGroup.exists("closed"));
    }

    /** A member that died while deciding whether the group is empty (closed = 0) leaves it open again for the next joiner. */
    @Test
    void aGroupWhoseCloserDiedWhileDecidingIsReopened() throws Exception {
        forge("deciding", with(validFile(), b -> b.putLong(GroupDescriptor.CLOSER_OFFSET, DEAD_PID << 32 | 7)));
        try (ProcessGroup g = ProcessGroup.join("deciding", GroupOptions.of(SIZE))) {
            assertEquals(0, g.rank());
        }
        assertFalse(ProcessGroup.exists("deciding"));
    }
}
