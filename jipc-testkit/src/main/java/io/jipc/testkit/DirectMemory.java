package io.jipc.testkit;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * The direct memory this JVM holds ({@code java.nio} buffers and FFM {@code Arena} allocations, both
 * charged against {@code -XX:MaxDirectMemorySize}), for tests of what code keeps per thread or per
 * call; test modules need not read {@code java.management} themselves.
 */
public final class DirectMemory {
    private DirectMemory() {
    }

    /** Bytes of direct memory in use now (the "direct" buffer pool). */
    public static long used() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .findFirst().orElseThrow();
    }
}
