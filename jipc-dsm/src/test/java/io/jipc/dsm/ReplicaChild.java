package io.jipc.dsm;

import io.jipc.net.StreamConnection;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * A replica in another process, for {@link ReplicatedRegionProcessTest}. Arguments:
 * {@code <host> <port> <region> <size> <heartbeatMillis> <peerTimeoutMillis>}. Opens the region, prints
 * {@code OPENED <version> <crc32 of the bytes>}, then runs the commands that arrive on standard input, one
 * a line, each answered by a line:
 * <ul>
 * <li>{@code count <threads> <n>}: that many threads each add 1 to the long at offset 0, {@code n} times,
 *     each in its own {@link ReplicatedRegion#update}; then {@code COUNTED}.</li>
 * <li>{@code records <n> <id> [check]}: {@code n} write sections, each setting every {@linkplain #slot slot}
 *     to {@link #record record(id, version of the section)}, then a read that must be whole; then
 *     {@code WROTE} or {@code WRONG <what>}. With {@code check} (for a region that only this process
 *     writes), another thread {@linkplain #checkRecords checks reads} meanwhile until version {@code n},
 *     and {@code READER <its result>} comes first.</li>
 * <li>{@code check <version>}: prints {@code CHECKING}, then reads in a loop until the replica reaches
 *     {@code version} ({@link #checkRecords}); then {@code OK <reads> <versions seen>} or {@code WRONG <what>}.</li>
 * <li>{@code hold <value>|-}: opens a write section, sets every slot to {@code value} (or nothing with
 *     {@code -}), prints {@code HOLDING <version>} and keeps the section open.</li>
 * <li>{@code release}: closes the held section: {@code RELEASED <version>}, or {@code LOST <message>} on
 *     {@link RegionHomeLostException}.</li>
 * <li>{@code state}: {@link ReplicatedRegion#sync()}, then one read: {@code STATE <version> <crc32> <slot 0>}.</li>
 * <li>{@code write <value>}: one section setting every slot to {@code value}: {@code WRITTEN <version>}.</li>
 * <li>{@code await}: a thread waits in {@link ReplicatedRegion#awaitVersion}; prints {@code AWAITING}, and
 *     when the wait ends {@code AWAIT LOST} on {@link RegionHomeLostException}, else {@code AWAIT WRONG <what>}.</li>
 * <li>{@code calls}: every call of a lost replica must throw {@link RegionHomeLostException}: {@code CALLS OK}
 *     or {@code CALLS WRONG <what>}.</li>
 * <li>{@code last}: {@code LAST <crc32 of lastSnapshot()>}.</li>
 * <li>{@code long-read <millis>}: opens a read, prints {@code READING <version>}, holds the read open for
 *     {@code millis}, closes it and prints {@code READ <version>} (the version the read saw).</li>
 * <li>{@code hold-read}: opens a read, prints {@code READING <version>}, and holds it open while it runs the
 *     next lines of standard input: {@code held} waits until an update waits for the read (the receiver
 *     has it: {@link ReplicatedRegion#updateHeldOff()}) and prints {@code HELD}; {@code home-end-closed} waits
 *     until a send (the receiver's heartbeat) or the receiver reading ahead has found the home's end of the
 *     connection closed ({@link ReplicatedRegion#homeEndClosedSeen()}) and prints {@code HOME-END-CLOSED}; {@code aside sync} or
 *     {@code aside update <value>} has another thread call {@link ReplicatedRegion#sync()} or
 *     {@link ReplicatedRegion#update} (every slot set to {@code value}) and prints {@code ASIDE <outcome>}
 *     ({@link #aside}); {@code end-read} closes the read and prints {@code READ <version>} (the version the
 *     read saw).</li>
 * <li>{@code await-loss}: waits until the replica is lost (its home closed or died), taking the updates
 *     that arrive meanwhile: {@code GONE <version> <crc32 of lastSnapshot()> <its slot 0>}.</li>
 * </ul>
 * At the end of standard input closes the replica, prints {@code CLOSED} and exits 0. Any unexpected
 * exception ends the process with a stack trace (exit code 1).
 */
public final class ReplicaChild {
    /** Records have this many slots (longs), spread evenly over the region. */
    static final int SLOTS = 64;
    /** Low bits of a record: the version of the section that wrote it. */
    static final long VERSION_MASK = (1L << 48) - 1;

    private ReplicaChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        InetSocketAddress home = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        String name = args[2];
        long size = Long.parseLong(args[3]);
        DsmOptions options = DsmOptions.defaults().withLiveness(Duration.ofMillis(Long.parseLong(args[4])),
                Duration.ofMillis(Long.parseLong(args[5])));
        // A home waits at most its peer timeout for the OPEN frame after it accepts a connection: a first
        // connection (closed at once, which a home ignores) and a first frame load and link that code beforehand,
        // so that a JVM still starting, beside others, is not slower than that between connect and OPEN.
        StreamConnection.connect(home).close();
        DsmWire.open(name, size);
        ReplicatedRegion r = ReplicatedRegion.open(home, name, size, options);
        try {
            say("OPENED " + r.version() + " " + crc(r.snapshot()));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            RegionWrite held = null;
            String line;
            while ((line = in.readLine()) != null) {
                String[] c = line.trim().split(" ");
                switch (c[0]) {
                    case "count" -> {
                        count(r, Integer.parseInt(c[1]), Integer.parseInt(c[2]));
                        say("COUNTED");
                    }
                    case "records" -> {
                        int n = Integer.parseInt(c[1]);
                        AtomicReference<String> reads = new AtomicReference<>();
                        Thread reader = c.length > 3 && c[3].equals("check")
                                ? Thread.ofPlatform().start(() -> reads.set(checkRecords(r, n, Duration.ofSeconds(60))))
                                : null;
                        String wrong = writeRecords(r, n, Integer.parseInt(c[2]));
                        if (reader != null) {
                            reader.join();
                            say("READER " + reads.get());
                        }
                        say(wrong == null ? "WROTE" : "WRONG " + wrong);
                    }
                    case "check" -> {
                        say("CHECKING");
                        say(checkRecords(r, Long.parseLong(c[1]), Duration.ofSeconds(60)));
                    }
                    case "hold" -> {
                        held = r.write();
                        if (!c[1].equals("-")) {
                            fill(held.segment(), Long.parseLong(c[1]));
                        }
                        say("HOLDING " + r.version());
                    }
                    case "release" -> {
                        RegionWrite section = held;
                        held = null;
                        try {
                            section.close();
                            say("RELEASED " + section.version());
                        } catch (RegionHomeLostException e) {
                            say("LOST " + e.getMessage());
                        }
                    }
                    case "state" -> {
                        r.sync();
                        try (RegionRead v = r.read()) {
                            say("STATE " + v.version() + " " + crc(v.segment()) + " " + v.segment().get(JAVA_LONG, 0));
                        }
                    }
                    case "write" -> {
                        long value = Long.parseLong(c[1]);
                        try (RegionWrite w = r.write()) {
                            fill(w.segment(), value);
                            w.close();
                            say("WRITTEN " + w.version());
                        }
                    }
                    case "try-write" -> {
                        long value = Long.parseLong(c[1]);
                        try (RegionWrite w = r.write()) {
                            fill(w.segment(), value);
                            w.close();
                            say("WRITTEN " + w.version());
                        } catch (RegionHomeLostException e) {
                            say("LOST " + e.getMessage());
                        }
                    }
                    case "await" -> {
                        long seen = r.version();
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                long v = r.awaitVersion(seen, Duration.ofSeconds(60));
                                say("AWAIT WRONG returned " + v + " after " + seen);
                            } catch (RegionHomeLostException e) {
                                say("AWAIT LOST");
                            } catch (Throwable e) {
                                say("AWAIT WRONG " + e);
                            }
                        });
                        say("AWAITING");
                    }
                    case "calls" -> {
                        String wrong = lostCalls(r);
                        say(wrong == null ? "CALLS OK" : "CALLS WRONG " + wrong);
                    }
                    case "last" -> say("LAST " + crc(r.lastSnapshot()));
                    case "long-read" -> {
                        long seen;
                        try (RegionRead v = r.read()) {
                            say("READING " + v.version());
                            Thread.sleep(Long.parseLong(c[1]));
                            seen = v.version();
                        }
                        say("READ " + seen);
                    }
                    case "hold-read" -> {
                        long seen;
                        try (RegionRead v = r.read()) {
                            say("READING " + v.version());
                            String next;
                            while (!(next = in.readLine().trim()).equals("end-read")) {
                                if (next.startsWith("aside ")) {
                                    say("ASIDE " + aside(r, next.substring("aside ".length()).split(" ")));
                                    continue;
                                }
                                if (next.equals("home-end-closed")) {
                                    while (!r.homeEndClosedSeen()) {
                                        Thread.sleep(5);
                                    }
                                    say("HOME-END-CLOSED");
                                    continue;
                                }
                                if (!next.equals("held")) {
                                    throw new IllegalArgumentException("unknown command inside hold-read: " + next);
                                }
                                while (!r.updateHeldOff()) {
                                    Thread.sleep(5);
                                }
                                say("HELD");
                            }
                            seen = v.version();
                        }
                        say("READ " + seen);
                    }
                    case "await-loss" -> {
                        try {
                            while (true) {
                                r.awaitVersion(r.version(), Duration.ofSeconds(60));
                            }
                        } catch (RegionHomeLostException e) {
                            byte[] last = r.lastSnapshot();
                            say("GONE " + r.version() + " " + crc(last) + " " + MemorySegment.ofArray(last).get(JAVA_LONG_UNALIGNED, 0));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown command: " + line);
                }
            }
        } finally {
            r.close();
        }
        say("CLOSED");
    }

    // ---- shared with the test ----

    /** Offset of slot {@code i} (0 to {@link #SLOTS}) in a region of {@code size} bytes. */
    static long slot(long size, int i) {
        return (size / SLOTS) / 8 * 8 * i;
    }

    /** Sets every slot to {@code value}. */
    static void fill(MemorySegment s, long value) {
        for (int i = 0; i < SLOTS; i++) {
            s.set(JAVA_LONG, slot(s.byteSize(), i), value);
        }
    }

    /** The value of every slot, or null (with what differs in {@code wrong}) if they are not all equal. */
    static Long uniform(MemorySegment s, StringBuilder wrong) {
        long first = s.get(JAVA_LONG_UNALIGNED, 0);
        for (int i = 1; i < SLOTS; i++) {
            long v = s.get(JAVA_LONG_UNALIGNED, slot(s.byteSize(), i));
            if (v != first) {
                wrong.append("slot 0 holds ").append(Long.toHexString(first)).append(", slot ").append(i)
                        .append(" holds ").append(Long.toHexString(v));
                return null;
            }
        }
        return first;
    }

    /** What writer {@code id} puts in every slot in the section that makes {@code version}. */
    static long record(int id, long version) {
        return ((long) id << 48) | version;
    }

    static String crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return Long.toHexString(crc.getValue());
    }

    static String crc(MemorySegment s) {
        return crc(s.toArray(JAVA_BYTE));
    }

    static void count(ReplicatedRegion r, int threads, int n) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        r.update(s -> s.set(JAVA_LONG, 0, s.get(JAVA_LONG, 0) + 1));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("an incrementing thread failed", failure.get());
        }
    }

    /**
     * Writes {@code n} records as writer {@code id}, each in one section whose version it predicts (the
     * replica's version when the lock is granted, plus one); after each, a read of this thread must be
     * whole and at that version or later. Returns null, or what was wrong.
     */
    static String writeRecords(ReplicatedRegion r, int n, int id) throws InterruptedException {
        StringBuilder wrong = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long predicted;
            try (RegionWrite w = r.write()) {
                predicted = r.version() + 1;
                fill(w.segment(), record(id, predicted));
                w.close();
                if (w.version() != predicted) {
                    return "section " + i + " made version " + w.version() + ", not " + predicted;
                }
            }
            try (RegionRead v = r.read()) {
                Long value = uniform(v.segment(), wrong);
                if (value == null) {
                    return "torn read after section " + i + " at version " + v.version() + ": " + wrong;
                }
                if (v.version() < predicted) {
                    return "read at version " + v.version() + " after the section made " + predicted;
                }
                if ((value & VERSION_MASK) != v.version()) {
                    return "read at version " + v.version() + " holds the record of version " + (value & VERSION_MASK);
                }
            }
        }
        return null;
    }

    /**
     * Reads in a loop until the replica reaches {@code until} (or {@code limit} passes): every read must be
     * whole (every slot the same record), hold the record of the read's own version, and neither the
     * version nor any writer's records may go back. Returns {@code OK <reads> <distinct versions seen>}
     * or {@code WRONG <what>}.
     */
    static String checkRecords(ReplicatedRegion r, long until, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        StringBuilder wrong = new StringBuilder();
        Map<Long, Long> lastOfWriter = new HashMap<>();
        long lastVersion = -1;
        long reads = 0;
        long versions = 0;
        while (true) {
            long version;
            try (RegionRead v = r.read()) {
                version = v.version();
                Long value = uniform(v.segment(), wrong);
                reads++;
                if (value == null) {
                    return "WRONG torn read at version " + version + ": " + wrong;
                }
                if (version < lastVersion) {
                    return "WRONG version went back from " + lastVersion + " to " + version;
                }
                if (version != lastVersion) {
                    versions++;
                }
                lastVersion = version;
                if ((value & VERSION_MASK) != version) {
                    return "WRONG read at version " + version + " holds the record of version "
                            + (value & VERSION_MASK) + " (writer " + (value >>> 48) + ")";
                }
                Long before = lastOfWriter.put(value >>> 48, value & VERSION_MASK);
                if (before != null && before > (value & VERSION_MASK)) {
                    return "WRONG writer " + (value >>> 48) + " went back from " + before + " to " + (value & VERSION_MASK);
                }
            }
            if (version >= until) {
                return "OK " + reads + " " + versions;
            }
            if (System.nanoTime() - deadline > 0) {
                return "WRONG only version " + version + " of " + until + " after " + limit;
            }
            Thread.yield();
        }
    }

    /**
     * Has another thread call {@code sync} or {@code update <value>} (every slot set to {@code value}) of
     * {@code r}, waiting for it at most 30 s: {@code RETURNED <version>}, {@code LOST <message>} on
     * {@link RegionHomeLostException}, {@code WRONG <what>} on another exception, or {@code BLOCKED} if the
     * call had not ended by then.
     */
    static String aside(ReplicatedRegion r, String[] call) throws InterruptedException {
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                switch (call[0]) {
                    case "sync" -> outcome.set("RETURNED " + r.sync());
                    case "update" -> {
                        long value = Long.parseLong(call[1]);
                        r.update(s -> fill(s, value));
                        outcome.set("RETURNED " + r.version());
                    }
                    default -> outcome.set("WRONG unknown call " + call[0]);
                }
            } catch (RegionHomeLostException e) {
                outcome.set("LOST " + e.getMessage());
            } catch (Throwable e) {
                outcome.set("WRONG " + e);
            }
        });
        return t.join(Duration.ofSeconds(30)) ? outcome.get() : "BLOCKED";
    }

    /** Null if every call of the lost replica {@code r} throws {@link RegionHomeLostException}, else what did not. */
    static String lostCalls(ReplicatedRegion r) {
        List<String> wrong = new ArrayList<>();
        Map<String, Call> calls = new java.util.LinkedHashMap<>();
        calls.put("read", () -> r.read().close());
        calls.put("snapshot", r::snapshot);
        calls.put("write", () -> r.write().close());
        calls.put("tryWrite", () -> r.tryWrite(Duration.ofSeconds(1)));
        calls.put("update", () -> r.update(s -> s.set(JAVA_LONG, 0, 1)));
        calls.put("sync", r::sync);
        calls.put("awaitVersion", () -> r.awaitVersion(r.version(), Duration.ofSeconds(1)));
        calls.forEach((what, call) -> {
            try {
                call.run();
                wrong.add(what + " returned");
            } catch (RegionHomeLostException e) {
                // as documented
            } catch (Throwable e) {
                wrong.add(what + " threw " + e);
            }
        });
        if (r.isConnected()) {
            wrong.add("isConnected");
        }
        return wrong.isEmpty() ? null : String.join("; ", wrong);
    }

    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
