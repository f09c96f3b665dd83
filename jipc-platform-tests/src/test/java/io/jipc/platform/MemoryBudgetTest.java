package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel's files say of the memory left, and this host's figure. */
class MemoryBudgetTest {

    @Test
    void meminfoGivesMemAvailablePlusSwapFreeInBytes() {
        List<String> meminfo = List.of("MemTotal:       24683624 kB", "MemFree:        23990000 kB",
                "MemAvailable:   23900000 kB", "SwapTotal:       1048576 kB", "SwapFree:         524288 kB");
        assertEquals(OptionalLong.of((23_900_000L + 524_288L) * 1024), MemoryBudget.meminfoAvailable(meminfo));
        assertEquals(OptionalLong.of(1024), MemoryBudget.meminfoAvailable(List.of("MemAvailable: 1 kB")),
                "no swap line: no swap");
        assertEquals(OptionalLong.empty(), MemoryBudget.meminfoAvailable(List.of("MemFree: 5 kB", "garbage", "")),
                "a kernel without MemAvailable (before 3.14) says nothing");
    }

    @Test
    void theCgroupV2PathAndTheRoomUnderItsLimit() {
        assertEquals("/user.slice/session-1.scope",
                MemoryBudget.cgroupPath(List.of("1:name=systemd:/x", "0::/user.slice/session-1.scope")));
        assertEquals("/", MemoryBudget.cgroupPath(List.of("0::/")));
        assertNull(MemoryBudget.cgroupPath(List.of("4:memory:/docker/abc")), "cgroup v1 only");
        assertEquals(Long.MAX_VALUE, MemoryBudget.roomUnder(List.of("max"), List.of("123")));
        assertEquals(900, MemoryBudget.roomUnder(List.of("1000"), List.of("100")));
        assertEquals(0, MemoryBudget.roomUnder(List.of("1000"), List.of("4000")), "over the limit already");
        assertEquals(Long.MAX_VALUE, MemoryBudget.roomUnder(List.of(), List.of()), "no such files: no limit known");
    }

    @Test
    void theCgroupV1MemoryPathIsTheMemoryControllersLine() {
        assertEquals("/process_api/9d4f", MemoryBudget.cgroupV1MemoryPath(
                List.of("9:name=systemd:/", "4:memory:/process_api/9d4f", "0::/")));
        assertEquals("/a", MemoryBudget.cgroupV1MemoryPath(List.of("5:cpu,memory:/a")), "co-mounted controllers");
        assertNull(MemoryBudget.cgroupV1MemoryPath(List.of("0::/user.slice", "3:memory_other:/x")), "v2 only");
    }

    /**
     * Under cgroup v1 (alone or hybrid, as on many hosts and containers) the limit of the memory
     * controller's cgroup and of those above it bounds the figure; until 2026-12-06 only v2's was read,
     * and a create above a v1 limit met the cgroup's OOM killer.
     */
    @Test
    void aCgroupV1LimitOfThisCgroupOrOneAboveItBoundsTheFigure(@TempDir Path dir) throws IOException {
        Path meminfo = write(dir.resolve("meminfo"), "MemAvailable: 1048576 kB", "SwapFree: 0 kB"); // 1 GiB
        Path self = write(dir.resolve("cgroup"), "9:name=systemd:/", "4:memory:/outer/inner", "0::/");
        Path root = dir.resolve("fs");
        Path memory = root.resolve("memory");
        Path outer = memory.resolve("outer");
        Path inner = outer.resolve("inner");
        Files.createDirectories(inner);
        String unlimited = "9223372036854771712";
        limit(memory, unlimited, "5000000000");
        limit(outer, unlimited, "300000000");
        limit(inner, unlimited, "200000000");
        assertEquals(1L << 30, MemoryBudget.available(meminfo, self, root), "v1's 'unlimited' bounds nothing");

        limit(inner, Long.toString(400L << 20), Long.toString(100L << 20));
        assertEquals(300L << 20, MemoryBudget.available(meminfo, self, root), "this cgroup's limit less its usage");

        limit(outer, Long.toString(350L << 20), Long.toString(250L << 20));
        assertEquals(100L << 20, MemoryBudget.available(meminfo, self, root), "a cgroup above counts this one's usage");

        Files.writeString(outer.resolve("memory.use_hierarchy"), "0\n");
        assertEquals(300L << 20, MemoryBudget.available(meminfo, self, root),
                "a parent that does not account its children does not limit them");

        Files.delete(outer.resolve("memory.use_hierarchy"));
        Files.delete(inner.resolve("memory.limit_in_bytes"));
        Files.delete(inner.resolve("memory.usage_in_bytes"));
        Files.delete(inner);
        assertEquals(100L << 20, MemoryBudget.available(meminfo, self, root),
                "a path not mounted here (a container's own cgroup is its root): passed over, those above still read");
    }

    @Test
    void aCgroupV2LimitBoundsTheFigure(@TempDir Path dir) throws IOException {
        Path meminfo = write(dir.resolve("meminfo"), "MemAvailable: 1048576 kB");
        Path self = write(dir.resolve("cgroup"), "0::/a/b");
        Path b = dir.resolve("fs/a/b");
        Files.createDirectories(b);
        write(b.resolve("memory.max"), "max");
        write(b.resolve("memory.current"), "4096");
        write(b.getParent().resolve("memory.max"), Long.toString(300L << 20));
        write(b.getParent().resolve("memory.current"), Long.toString(100L << 20));
        assertEquals(200L << 20, MemoryBudget.available(meminfo, self, dir.resolve("fs")));
    }

    /**
     * A cgroup's usage counts its page cache, which its reclaim drops before the OOM killer is
     * called: the inactive part of it is room (a build that read many files leaves a cgroup's usage
     * near its limit; counting that cache as used refused every mailbox create there).
     */
    @Test
    void aCgroupsInactivePageCacheIsRoom(@TempDir Path dir) throws IOException {
        Path meminfo = write(dir.resolve("meminfo"), "MemAvailable: 1048576 kB", "SwapFree: 0 kB"); // 1 GiB
        Path v2 = write(dir.resolve("cgroup2"), "0::/a");
        Path a = dir.resolve("fs2/a");
        Files.createDirectories(a);
        write(a.resolve("memory.max"), Long.toString(500L << 20));
        write(a.resolve("memory.current"), Long.toString(490L << 20));
        write(a.resolve("memory.stat"), "anon 1000", "file " + (400L << 20), "active_file " + (100L << 20),
                "inactive_file " + (300L << 20), "shmem 4096");
        assertEquals(310L << 20, MemoryBudget.available(meminfo, v2, dir.resolve("fs2")));

        Path v1 = write(dir.resolve("cgroup1"), "4:memory:/b");
        Path b = dir.resolve("fs1/memory/b");
        Files.createDirectories(b);
        limit(b, Long.toString(500L << 20), Long.toString(500L << 20));
        write(b.resolve("memory.stat"), "cache 1", "inactive_file 7", "total_inactive_file " + (200L << 20));
        assertEquals(200L << 20, MemoryBudget.available(meminfo, v1, dir.resolve("fs1")), "v1: the hierarchy's total");
        limit(b, "9223372036854771712", Long.toString(500L << 20));
        assertEquals(1L << 30, MemoryBudget.available(meminfo, v1, dir.resolve("fs1")), "no limit: MemAvailable's figure");
    }

    @Test
    void checkRefusesMoreThanIsLeftWithEnomem() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> MemoryBudget.check(Long.MAX_VALUE, "thing of 7 bytes"));
        assertEquals("ENOMEM", e.errnoName());
        assertTrue(e.getMessage().contains("thing of 7 bytes") && e.getMessage().contains("memory limit"), e.getMessage());
        MemoryBudget.check(4096, "a page");
    }

    private static void limit(Path cgroup, String limit, String usage) throws IOException {
        write(cgroup.resolve("memory.limit_in_bytes"), limit);
        write(cgroup.resolve("memory.usage_in_bytes"), usage);
    }

    private static Path write(Path file, String... lines) throws IOException {
        return Files.write(file, List.of(lines));
    }

    @Test
    void thisHostSaysHowMuchIsLeft() {
        long available = MemoryBudget.available();
        assertTrue(available > 0 && available < Long.MAX_VALUE, "Linux ≥ 3.14 has MemAvailable: " + available);
    }
}
