package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.dsm.DsmOptions;
import io.jipc.dsm.RegionHome;
import io.jipc.dsm.RegionRead;
import io.jipc.dsm.RegionStatus;
import io.jipc.dsm.RegionWrite;
import io.jipc.dsm.ReplicatedRegion;
import io.jipc.naming.NameService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc dsm}: run the home of replicated regions, and read, write and watch a region from the shell. */
@Command(name = "dsm", mixinStandardHelpOptions = true,
        description = "Distributed shared memory: run a home of replicated regions, or read, write and watch a region.",
        subcommands = {DsmCommand.Home.class, DsmCommand.Show.class, DsmCommand.Write.class, DsmCommand.Watch.class})
final class DsmCommand {
    private DsmCommand() {
    }

    @Command(name = "home", mixinStandardHelpOptions = true,
            description = {"Keep the master copies and write locks of replicated regions, serving replicas on a TCP port.",
                    "Regions are made when a replica first opens them and live until the home stops. "
                            + "Prints a line whenever a region's version or replica count changes (checked every "
                            + "second). Serves until Ctrl-C or SIGTERM."})
    static final class Home implements Callable<Integer> {
        @Option(names = "--bind", paramLabel = "HOST:PORT", description = "where to listen (default: ${DEFAULT-VALUE}; port 0: any)")
        String bind = "127.0.0.1:7700";

        @Option(names = "--max-region-size", paramLabel = "BYTES", description = "largest region (default: ${DEFAULT-VALUE})")
        int maxRegionSize = DsmOptions.defaults().maxRegionSize();

        @Option(names = "--max-memory", paramLabel = "BYTES", description = "bytes the home commits at most to regions"
                + " and to snapshots not yet sent to replicas that open one (default: 256 MiB, or room for one region"
                + " of --max-region-size if that needs more)")
        Long maxMemory;

        @Option(names = "--quiet", description = "print no status lines")
        boolean quiet;

        @Option(names = "--register", paramLabel = "NAME", description = "hold the name dsm/NAME in the name service"
                + " while serving, so that replicas find the home by NAME")
        String register;

        @Option(names = "--advertise", paramLabel = "HOST", description = "with --register: the host other hosts connect"
                + " to (needed when --bind is a wildcard such as 0.0.0.0)")
        String advertise;

        @picocli.CommandLine.Mixin
        NamingOption naming = new NamingOption();

        @Option(names = "--no-keep-locks", description = "never leave the write lock with a replica between its sections"
                + " (by default one that writes twice in a row keeps it until another asks)")
        boolean noKeepLocks;

        @Override
        public Integer call() throws InterruptedException {
            InetSocketAddress address = HostPort.parse(bind); // a bad address: a usage error, with the usage
            if (register != null && advertise == null && address.getAddress() != null
                    && address.getAddress().isAnyLocalAddress()) {
                throw new IllegalArgumentException("--bind " + bind + " listens on every address: say which one other"
                        + " hosts reach the home at with --advertise HOST, to --register it (" + bind
                        + " is no address to connect to)");
            }
            RegionHome home;
            try { // a bad address (IllegalArgumentException) is a usage error, with the usage (CommandFailures)
                DsmOptions options = DsmOptions.defaults().withMaxRegionSize(maxRegionSize).withKeepLocks(!noKeepLocks);
                // a region needs room for itself and its first snapshot (DsmOptions.maxHomeMemory)
                long memory = maxMemory != null ? maxMemory
                        : Math.max(options.maxHomeMemory(), 2 * (long) maxRegionSize + 9);
                home = RegionHome.start(address, options.withMaxHomeMemory(memory));
            } catch (JipcException e) {
                System.err.println("jipc dsm: " + e.getMessage()); // the port in use
                return 1;
            }
            NameService names = null;
            if (register != null) {
                try {
                    names = naming.open();
                    home.register(names, register, advertise);
                } catch (JipcException | IllegalArgumentException | IllegalStateException e) {
                    home.close();
                    if (names != null) {
                        names.close();
                    }
                    if (e instanceof IllegalArgumentException) { // a bad name: a usage error, with the usage
                        throw new IllegalArgumentException("cannot register the home as " + register + ": "
                                + e.getMessage(), e);
                    }
                    System.err.println("jipc dsm: cannot register the home as " + register + ": " + e.getMessage());
                    return 1;
                }
            }
            NameService held = names;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                home.close();
                if (held != null) {
                    held.close();
                }
            }, "jipc-dsm-home-stop"));
            System.out.println("region home at " + describe(home) + " serving"
                    + (register == null ? "" : " as " + RegionHome.NAME_PREFIX + register) + "; Ctrl-C to stop");
            System.out.flush();
            List<RegionStatus> last = List.of();
            while (true) {
                Thread.sleep(1000);
                List<RegionStatus> now = home.regions().stream()
                        .map(s -> new RegionStatus(s.name(), s.size(), s.version(), s.replicas(), false, false, 0)).toList();
                if (!quiet && !now.equals(last)) {
                    for (RegionStatus s : now) {
                        if (!last.contains(s)) {
                            System.out.printf("region %s: %d bytes, version %d, %d replica%s%n", s.name(), s.size(),
                                    s.version(), s.replicas(), s.replicas() == 1 ? "" : "s");
                        }
                    }
                    System.out.flush();
                }
                last = now;
            }
        }

        private static String describe(RegionHome home) {
            return home.address() instanceof InetSocketAddress a
                    ? a.getHostString() + ":" + a.getPort() : home.address().toString();
        }
    }

    /** What every client subcommand names: the home, the region and its size. */
    abstract static class RegionArguments {
        @Parameters(index = "0", paramLabel = "HOME", description = "the region's home: HOST:PORT, or the name it is"
                + " registered under (jipc dsm home --register NAME)")
        String home;

        @picocli.CommandLine.Mixin
        NamingOption naming = new NamingOption();

        @Parameters(index = "1", paramLabel = "NAME", description = "the region's name")
        String name;

        @Option(names = "--size", required = true, paramLabel = "BYTES", description = "the region's size (made with it if new)")
        long size;

        /** Refuses a size no region has, before the range is checked against it or the home is asked. */
        void checkSize() {
            if (size < 1) {
                throw new IllegalArgumentException("--size must be at least 1 byte: " + size);
            }
        }

        ReplicatedRegion open() throws InterruptedException {
            if (home.contains(":")) {
                return ReplicatedRegion.open(HostPort.parse(home), name, size);
            }
            try (NameService names = naming.open()) {
                return ReplicatedRegion.open(names, home, name, size, DsmOptions.defaults());
            }
        }

        /**
         * Runs {@code body} on an open replica; failures become a message and exit status 1, bad arguments
         * a usage error.
         */
        int with(RegionBody body) throws InterruptedException {
            try (ReplicatedRegion region = open()) {
                return body.run(region);
            } catch (IndexOutOfBoundsException e) { // a usage error (CommandFailures), like IllegalArgumentException
                throw new IllegalArgumentException(e.getMessage(), e);
            } catch (JipcException e) {
                System.err.println("jipc dsm: " + e.getMessage());
                return 1;
            }
        }
    }

    @FunctionalInterface
    interface RegionBody {
        int run(ReplicatedRegion region) throws InterruptedException;
    }

    /** A range of the region to print. */
    static final class Range {
        @Option(names = "--offset", paramLabel = "BYTES", description = "first byte (default: ${DEFAULT-VALUE})")
        long offset;

        /** Null when not given: up to 64 bytes (a negative value, -1 too, is refused). */
        @Option(names = "--length", paramLabel = "BYTES", description = "how many bytes (default: up to 64)")
        Long length;

        MemorySegment of(MemorySegment region) {
            long n = length == null ? Math.min(64, region.byteSize() - offset) : length;
            return region.asSlice(offset, n);
        }

        /** Refuses a range outside a region of {@code size} bytes, before anything is opened. */
        void check(long size) {
            if (length != null && length < 0) {
                throw new IllegalArgumentException("--length must not be negative: " + length);
            }
            if (offset < 0 || offset > size || (length != null && length > size - offset)) {
                throw new IllegalArgumentException("--offset " + offset + (length != null ? " --length " + length : "")
                        + " is outside the region's " + size + " bytes");
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Open a replica, wait until it has every write the home had, and print its version and a range of bytes in hex.")
    static final class Show extends RegionArguments implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Range range = new Range();

        @Override
        public Integer call() throws InterruptedException {
            checkSize();
            range.check(size);
            return with(region -> {
                region.sync();
                try (RegionRead view = region.read()) {
                    System.out.println("region " + name + " version " + view.version());
                    System.out.print(hexDump(range.of(view.segment()), range.offset));
                }
                return 0;
            });
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = {"Change a region in one write section (under the region's write lock) and print the new version.",
                    "--add-long adds to the 8-byte big-endian number at --offset: with several writers at once, no addition is lost."})
    static final class Write extends RegionArguments implements Callable<Integer> {
        @Option(names = "--offset", paramLabel = "BYTES", description = "where to write (default: ${DEFAULT-VALUE})")
        long offset;

        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Value value;

        static final class Value {
            @Option(names = "--text", paramLabel = "TEXT", description = "UTF-8 bytes of TEXT")
            String text;

            @Option(names = "--hex", paramLabel = "HEX", description = "these bytes, in hex")
            String hex;

            @Option(names = "--add-long", paramLabel = "N", description = "add N to the big-endian long at --offset")
            Long add;
        }

        /** The bytes to write ({@code --text} or {@code --hex}), or null for {@code --add-long}. */
        private byte[] bytes() {
            if (value.add != null) {
                return null;
            }
            if (value.text != null) {
                return value.text.getBytes(StandardCharsets.UTF_8);
            }
            try {
                return HexFormat.of().parseHex(value.hex.replace(" ", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--hex '" + value.hex + "' is not bytes in hex (two digits each, "
                        + "e.g. 0aff)");
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            byte[] bytes = bytes();
            long length = bytes == null ? Long.BYTES : bytes.length;
            checkSize();
            if (offset < 0 || offset > size || length > size - offset) { // checked before the home is asked
                throw new IllegalArgumentException("--offset " + offset + " with " + length + " bytes is outside the "
                        + "region's " + size + " bytes");
            }
            return with(region -> {
                long after = 0;
                RegionWrite written;
                try (RegionWrite section = region.write()) {
                    written = section;
                    MemorySegment s = section.segment();
                    if (bytes == null) {
                        ValueLayout.OfLong big = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
                        after = s.get(big, offset) + value.add;
                        s.set(big, offset, after);
                    } else {
                        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, offset, bytes.length);
                    }
                }
                // this write's own version: the region's may include later writes of others by now
                System.out.println("region " + name + " version " + written.version()
                        + (value.add != null ? " value " + after : ""));
                return 0;
            });
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Print a range of a region in hex now and each time another write section arrives, until Ctrl-C or --count versions.")
    static final class Watch extends RegionArguments implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Range range = new Range();

        @Option(names = "--count", paramLabel = "N", description = "stop after N new versions; 0 prints the current version and exits (default: never stop)")
        long count = Long.MAX_VALUE;

        @Override
        public Integer call() throws InterruptedException {
            checkSize();
            range.check(size);
            if (count < 0) { // checked before the home is asked
                throw new IllegalArgumentException("--count must not be negative: " + count);
            }
            return with(region -> {
                long start = region.sync();
                long seen = start;
                print(region);
                // counted in versions, not wake-ups: one wake-up may bring several (they print once)
                while (seen - start < count) {
                    long now;
                    do {
                        now = region.awaitVersion(seen, Duration.ofSeconds(1));
                    } while (now <= seen);
                    seen = now;
                    print(region);
                }
                return 0;
            });
        }

        private void print(ReplicatedRegion region) {
            try (RegionRead view = region.read()) {
                System.out.println("version " + view.version() + ": " + HexFormat.ofDelimiter(" ")
                        .formatHex(range.of(view.segment()).toArray(ValueLayout.JAVA_BYTE)));
            }
            System.out.flush();
        }
    }

    /** Lines of 16 bytes: offset, hex, and the printable ASCII characters. */
    static String hexDump(MemorySegment bytes, long base) {
        byte[] b = bytes.toArray(ValueLayout.JAVA_BYTE);
        StringBuilder out = new StringBuilder();
        for (int line = 0; line < b.length; line += 16) {
            out.append(String.format("%08x ", base + line));
            StringBuilder text = new StringBuilder();
            for (int i = line; i < line + 16; i++) {
                if (i < b.length) {
                    out.append(String.format(" %02x", b[i] & 0xFF));
                    text.append(b[i] >= 0x20 && b[i] < 0x7F ? (char) b[i] : '.');
                } else {
                    out.append("   ");
                }
            }
            out.append("  ").append(text).append('\n');
        }
        return out.toString();
    }
}
