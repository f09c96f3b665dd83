package io.jipc.platform;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
    void thisHostSaysHowMuchIsLeft() {
        long available = MemoryBudget.available();
        assertTrue(available > 0 && available < Long.MAX_VALUE, "Linux ≥ 3.14 has MemAvailable: " + available);
    }
}
