package io.jipc.testkit;

import io.jipc.ErrnoException;
import io.jipc.platform.Libc;

import java.util.ArrayList;
import java.util.List;

/**
 * Fills this process's descriptor table, for tests of what jipc does short of file descriptors
 * ({@code EMFILE}): run it in a child JVM with a low limit ({@code prlimit --nofile=256:256}), so that
 * the table fills at once and nothing else of the test suffers.
 */
public final class DescriptorHog {
    private DescriptorHog() {
    }

    /**
     * Opens {@code /dev/null} until the table is full ({@code EMFILE}), then closes {@code free} of
     * those descriptors again; returns the ones still open (for {@link #release}).
     */
    public static List<Integer> fill(int free) {
        List<Integer> hog = new ArrayList<>();
        try {
            while (hog.size() < 1_000_000) {
                hog.add(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
            }
        } catch (ErrnoException full) {
            // the table is full: EMFILE from now on
        }
        for (int k = 0; k < free && !hog.isEmpty(); k++) {
            Libc.close(hog.removeLast());
        }
        return hog;
    }

    /** Closes the descriptors {@link #fill} returned. */
    public static void release(List<Integer> hog) {
        hog.forEach(Libc::close);
        hog.clear();
    }
}
