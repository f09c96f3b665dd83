package io.jipc.platform;

/**
 * An asymmetric Dekker fence across processes with {@code membarrier(2)}: a frequent side
 * (publishers) runs without a full fence, and the rare side (a waiter about to sleep) pays for both
 * with {@link #heavy()}.
 *
 * <p>Protocol. Publisher: store the data (release), then load the waiter's flag (acquire) — no
 * fence in between, which alone would let the load pass the store. Waiter: store the flag
 * (volatile), call {@link #heavy()}, then load the data. {@code MEMBARRIER_CMD_GLOBAL_EXPEDITED}
 * makes every CPU that runs a thread of a process that called {@link #registerLight()} execute a
 * full memory barrier before the call returns (a CPU that does not run one has passed a context
 * switch, which is a barrier too). So either the publisher's load comes after that barrier and
 * sees the flag, or its store came before it and the waiter sees the data: no lost wake-up.
 *
 * <p>A process may publish without a fence only if {@link #registerLight()} returned true; a waiter
 * whose {@link #heavy()} returned false must not rely on fence-free publishers and bounds its sleep
 * instead. Needs Linux 4.16 or later; elsewhere (or under a seccomp filter that forbids
 * {@code membarrier}) both return false and callers use full fences.
 */
public final class AsymmetricFence {
    private static final int QUERY = 0;
    private static final int GLOBAL_EXPEDITED = 1 << 1;
    private static final int REGISTER_GLOBAL_EXPEDITED = 1 << 2;
    private static final boolean DISABLED = Boolean.getBoolean("jipc.noMembarrier");
    /** Set once a heavy fence failed although the kernel said it supports it (e.g. a seccomp filter). */
    private static volatile boolean heavyFailed;

    private static final class Registration {
        static final boolean REGISTERED = register();

        private static boolean register() {
            return Support.SUPPORTED && Libc.membarrier(REGISTER_GLOBAL_EXPEDITED) == 0;
        }
    }

    private static final class Support {
        static final boolean SUPPORTED = query();

        private static boolean query() {
            if (DISABLED || !Libc.isAvailable()) {
                return false;
            }
            long supported = Libc.membarrier(QUERY);
            int needed = GLOBAL_EXPEDITED | REGISTER_GLOBAL_EXPEDITED;
            return supported >= 0 && (supported & needed) == needed;
        }
    }

    private AsymmetricFence() {
    }

    /** Whether {@link #heavy()} works here; if not, waiters must bound their sleeps. */
    public static boolean heavyAvailable() {
        return Support.SUPPORTED && !heavyFailed;
    }

    /**
     * Registers this process as a fence-free publisher (once; later calls return the first
     * answer). Returns whether it may publish without full fences.
     */
    public static boolean registerLight() {
        return Registration.REGISTERED;
    }

    /**
     * The waiter's side: a full barrier on every CPU running a registered process. Takes a few
     * microseconds (inter-processor interrupts). Returns false if it could not be done.
     */
    public static boolean heavy() {
        if (!heavyAvailable()) {
            return false;
        }
        if (Libc.membarrier(GLOBAL_EXPEDITED) != 0) {
            heavyFailed = true;
            return false;
        }
        return true;
    }
}
