package io.jipc.group;

import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The other processes of {@link GroupMembershipStressTest}; prints one line per event. Modes:
 * <ul>
 * <li>{@code churn <name> <size> <board> <iterations> <seconds>}: prints {@code READY}, waits for a line
 *     on standard input, then {@link #churn joins and leaves} the group in a loop and prints
 *     {@code DONE <joins> <full>}, or {@code WRONG <what>} and exits 1.</li>
 * <li>{@code hold <name> <size> <rank>}: joins with that rank, prints {@code JOINED <rank> <incarnation>}
 *     and holds it until killed (or until a line arrives on standard input: then leaves, prints
 *     {@code LEFT}).</li>
 * </ul>
 */
public final class GroupStressChild {
    private GroupStressChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        switch (args[0]) {
            case "churn" -> {
                say("READY");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                try (Board board = Board.open(Path.of(args[3]), Integer.parseInt(args[2]))) {
                    Stats stats = churn(args[1], Integer.parseInt(args[2]), board, Integer.parseInt(args[4]),
                            Duration.ofSeconds(Long.parseLong(args[5])));
                    say("DONE " + stats.joins() + " " + stats.full());
                } catch (Throwable wrong) {
                    say("WRONG " + describe(wrong));
                    System.exit(1);
                }
            }
            case "hold" -> {
                int rank = Integer.parseInt(args[3]);
                try (ProcessGroup g = ProcessGroup.join(args[1], GroupOptions.of(Integer.parseInt(args[2])).withRank(rank))) {
                    say("JOINED " + g.rank() + " " + g.members().stream().filter(m -> m.rank() == rank)
                            .findFirst().orElseThrow().incarnation());
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                }
                say("LEFT");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** The options every churning process joins with (the first joiner's settings are the group's). */
    static GroupOptions options(int size) {
        return GroupOptions.of(size).withInboxBytes(16 * 1024).withMaxMessageSize(1024);
    }

    /** What one churning process did. */
    record Stats(int joins, int full) {
    }

    /**
     * Joins group {@code name} of {@code size} ranks and leaves it, {@code iterations} times or until
     * {@code limit} has passed. While it holds a rank: claims the rank on the {@code board} (no other
     * holder may have it), checks that the group's file exists and that {@link ProcessGroup#members()}
     * shows this process at that rank, sends itself a message and receives it, and offers one to
     * another rank (which may have no member: {@link GroupMemberLostException} is normal). A full
     * group ({@link GroupFullException}) is normal; anything else is thrown.
     *
     * @throws AssertionError when a check fails
     */
    static Stats churn(String name, int size, Board board, int iterations, Duration limit) throws Exception {
        long pid = ProcessHandle.current().pid();
        long end = System.nanoTime() + limit.toNanos();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int joins = 0;
        int full = 0;
        for (int i = 0; i < iterations && System.nanoTime() - end < 0; i++) {
            ProcessGroup g;
            try {
                g = ProcessGroup.join(name, options(size));
            } catch (GroupFullException normal) {
                full++;
                Thread.onSpinWait();
                continue;
            }
            joins++;
            int rank = g.rank();
            long token = Board.token(pid);
            try {
                if (rank < 0 || rank >= size || g.size() != size) {
                    throw new AssertionError("rank " + rank + " of " + g.size() + " in a group of " + size);
                }
                board.claim(rank, token, fileOf(g));
                if (!ProcessGroup.exists(name)) {
                    throw new AssertionError("rank " + rank + " is held (pid " + pid + ") but group '" + name
                            + "' has no file: it was removed under a member");
                }
                List<GroupMember> members = g.members();
                List<GroupMember> mine = members.stream().filter(m -> m.rank() == rank).toList();
                if (mine.size() != 1 || mine.getFirst().pid() != pid) {
                    throw new AssertionError("pid " + pid + " holds rank " + rank + " but members() says " + members);
                }
                byte[] note = ByteBuffer.allocate(16).putLong(pid).putLong(i).array();
                g.send(rank, note);
                receiveOwn(g, note);
                int other = random.nextInt(size);
                if (other != rank) {
                    try {
                        g.offer(other, note);
                    } catch (GroupMemberLostException normal) {
                        // nobody holds that rank now, or its member is leaving
                    }
                }
                if (random.nextInt(8) == 0) {
                    Thread.sleep(0, random.nextInt(200_000));
                }
            } finally {
                board.release(rank, token);
                g.close();
            }
        }
        return new Stats(joins, full);
    }

    /** Receives until this member's own note arrives; others' offers come in between. */
    private static void receiveOwn(ProcessGroup g, byte[] note) throws InterruptedException {
        for (int n = 0; n < 1000; n++) {
            GroupMessage m = g.poll(Duration.ofSeconds(10));
            if (m == null) {
                throw new AssertionError("rank " + g.rank() + " did not receive the message it sent itself");
            }
            if (m.sender() == g.rank() && !m.broadcast() && java.util.Arrays.equals(note, m.payload())) {
                return;
            }
        }
        throw new AssertionError("rank " + g.rank() + " received 1000 messages but not its own");
    }

    /**
     * The inode of the group file {@code g} has mapped (read from its handle, for failure messages
     * only: a rank held twice in two different files means the group was removed under a member),
     * or -1 if it cannot be found out.
     */
    static long fileOf(ProcessGroup g) {
        try {
            java.lang.reflect.Field table = ProcessGroup.class.getDeclaredField("table");
            table.setAccessible(true);
            java.lang.reflect.Field file = MemberTable.class.getDeclaredField("file");
            file.setAccessible(true);
            String key = ((io.jipc.segment.SharedSegment) file.get(table.get(g))).fileKey();
            return Long.parseLong(key.substring(key.indexOf(':') + 1), 16);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Two words per rank in memory that every churning thread or process maps: the token of whoever
     * holds the rank (pid and thread), claimed by compare-and-set, so that a rank held twice at the
     * same moment (in one process or across processes) is caught; and the inode of the group file the
     * holder joined, for the failure message.
     */
    static final class Board implements AutoCloseable {
        private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
        private final Arena arena;
        private final MemorySegment words;

        private Board(MemorySegment words, Arena arena) {
            this.words = words;
            this.arena = arena;
        }

        private static long bytes(int size) {
            return 16L * size;
        }

        /** Maps (and creates, zeroed, if there is none) the board of {@code size} ranks at {@code path}. */
        static Board open(Path path, int size) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                Arena arena = Arena.ofShared();
                try {
                    return new Board(channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes(size), arena), arena);
                } catch (IOException | RuntimeException e) {
                    arena.close();
                    throw e;
                }
            }
        }

        /** A board in this process's memory, for threads of one JVM. */
        static Board inMemory(int size) {
            Arena arena = Arena.ofShared();
            return new Board(arena.allocate(bytes(size), 8), arena);
        }

        /** A non-zero token for the calling thread of process {@code pid}. */
        static long token(long pid) {
            return pid << 24 | (Thread.currentThread().threadId() & 0xFF_FFFF);
        }

        private static String holder(long token, long file) {
            return "pid " + (token >>> 24) + " (thread " + (token & 0xFF_FFFF) + ", group file inode " + file + ")";
        }

        /** Takes the rank for {@code token}, which joined the group file {@code file}; fails if someone holds it. */
        void claim(int rank, long token, long file) {
            long other = (long) LONG.compareAndExchange(words, 16L * rank, 0L, token);
            if (other != 0) {
                long otherFile = (long) LONG.getVolatile(words, 16L * rank + 8);
                throw new AssertionError("rank " + rank + " was given to " + holder(token, file) + " while "
                        + holder(other, otherFile) + " held it" + (file != otherFile && otherFile > 0 && file > 0
                        ? ": two group files, the group was removed under a member" : ""));
            }
            LONG.setVolatile(words, 16L * rank + 8, file);
        }

        void release(int rank, long token) {
            if ((long) LONG.getVolatile(words, 16L * rank) == token) {
                LONG.setVolatile(words, 16L * rank + 8, 0L);
                LONG.compareAndSet(words, 16L * rank, token, 0L);
            }
        }

        /** The holders' tokens now (0 for a free rank). */
        long[] holders() {
            long[] now = new long[(int) (words.byteSize() / 16)];
            for (int r = 0; r < now.length; r++) {
                now[r] = (long) LONG.getVolatile(words, 16L * r);
            }
            return now;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    static String describe(Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        return t + " | " + trace.toString().replace('\n', '|');
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
