package io.jipc.ring;

import io.jipc.platform.Signals;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Test-only fault points inside the producer protocol, so that crash tests can kill a producer at
 * exactly the moments that matter rather than wherever a random kill happens to land.
 *
 * <p>Enabled by the system property {@code jipc.faults}, a comma-separated list of
 * {@code point[:probability[:action]]} (probability 1 if left out), e.g.
 * {@code -Djipc.faults=after-tail-move:0.001,before-commit:0.001}: at each named point the calling
 * thread, with the given probability, prints {@code FAULT <point>} on standard output and then
 * takes the point's action:
 *
 * <ul>
 * <li>{@code park} (the default): the thread stalls for ever (until its process is killed); the
 *     process's other threads run on;</li>
 * <li>{@code stop}: the whole process stops before the thread takes another step: the thread
 *     sends itself {@code SIGSTOP} ({@code tgkill(getpid(), gettid(), SIGSTOP)}; a stop signal stops
 *     every thread, and one sent to the thread is taken by it before the call returns, where
 *     {@code kill(getpid(), SIGSTOP)} may be taken by another thread while this one runs on). Once continued ({@code SIGCONT}) the thread goes on from exactly that
 *     point, so a test can hold a process between two instructions, act meanwhile, and then let
 *     it finish (or kill it there). The point stops the process again each time it is reached
 *     (with its probability). A test reads the {@code FAULT} line, then waits until the process is
 *     in state {@code T} before it counts on the stop (the line is printed first).</li>
 * <li>{@code call}: the thread runs the {@link #callback} that a test's program in this JVM set
 *     (nothing if none is set), with the point's name, and goes on when it returns; it prints
 *     nothing, so that a point reached by every message can be given to it. The callback decides
 *     which threads it holds, for how long, and what the test does meanwhile: it holds one thread
 *     between two instructions while the process's other threads act, which {@code stop} cannot.</li>
 * </ul>
 *
 * <p>{@code -Djipc.faults=stall-resolved:1:stop} stops a consumer's process at the point
 * {@code stall-resolved} every time it gets there. Spaces around the fields are ignored. An item
 * that names no point of the list below, has an empty or invalid probability (not a number from 0
 * to 1), an unknown action or more than three fields is an {@link IllegalArgumentException} naming
 * the item, thrown from this class's initialisation, so that a misspelt point never silently
 * leaves a test without its fault. When the property is absent {@link #ENABLED} is a false
 * constant and the JIT removes every point.
 *
 * <ul>
 * <li>{@code after-tail-move}: a many-producer claim moved the tail but wrote no header yet;</li>
 * <li>{@code before-commit}: the record is written but its commit word is not;</li>
 * <li>{@code after-commit}: a single-producer record is committed but the tail is not published;</li>
 * <li>{@code before-wake}: a publisher found a waiter announced and took the wake (its mark in the
 *     flag, see {@link WakeSignal}) but has not moved the signal word nor called {@code FUTEX_WAKE};</li>
 * <li>{@code release-before-sequence}: a releaser of a jipc-sync object (as below) changed the
 *     object's state and found sleepers registered, but has neither moved their sequence word nor
 *     called {@code FUTEX_WAKE}: a sleeper's {@code futex} word holds what it slept on, so only a
 *     sleeper that looks again by itself sees the change;</li>
 * <li>{@code release-before-wake}: a releaser of a jipc-sync object (an unlock, a release, the
 *     count-down to zero, the arrival that trips a barrier, a signal) changed the object's state,
 *     found sleepers registered and moved their sequence word, but has not called {@code FUTEX_WAKE};</li>
 * <li>{@code taken-before-wake}: a receiver of a rendezvous mailbox took a message (its ticket's
 *     compare-and-set) but has not woken the sender waiting for that, nor cleared the ticket in
 *     the message's record (nor handed the message out).</li>
 * <li>{@code stall-resolved}: a consumer found where a dead producer's claim at the head ends but has
 *     not moved the head past it.</li>
 * <li>{@code before-slot-freed}: a consumer moved the head past a dead producer's claim and found
 *     that producer's intent slot still owned by it (owner dead, intent resolved) but has not freed
 *     it (the owner's compare-and-set): a producer may take the slot over meanwhile;</li>
 * <li>{@code stall-claimer-alive}: a consumer looked at the claim blocking the head and found its
 *     claimer alive (it waits for it, however long);</li>
 * <li>{@code after-file-created}: a creator of a shared file ({@code SharedSegment.create}, or a
 *     named region's, {@code SharedRegion.create}) created it exclusively and holds its creation
 *     lock ({@code io.jipc.segment.CreationLock}), but it is still empty: neither its mode nor its
 *     size is set;</li>
 * <li>{@code before-segment-ready}: a sender appending a segment to an unbounded mailbox wrote the
 *     segment file (all of it but the version word) but has not made it ready;</li>
 * <li>{@code before-unusable-removed}: a sender (or receiver) of an unbounded mailbox that found a
 *     segment file unusable (never made ready within the ready timeout, or damaged) holds the
 *     control file's lock and found the file still the one it waited on, but has not removed it;</li>
 * <li>{@code before-condemned}: a process condemning a never-ready shared file
 *     ({@code SharedSegment.condemn}) found it still the file it waited on and gave it the header's
 *     length (if it was shorter), but has not compare-and-set its version word;</li>
 * <li>{@code segment-not-ready}: an opener of a shared file ({@code SharedSegment.open}) mapped it
 *     and found it not ready yet (version word 0); it waits for its creator (reached on each look);</li>
 * <li>{@code before-segment-linked}: a sender appending a segment to an unbounded mailbox has the
 *     ready file of segment {@code last + 1} (its own or a racing sender's) but has not moved
 *     {@code last} to it;</li>
 * <li>{@code before-segments-removed}: a handle destroying its unbounded mailbox
 *     ({@code UnboundedMailbox.destroy()}) removed the control file but none of its segment files
 *     yet: another process may create a mailbox of that name meanwhile.</li>
 * <li>{@code before-send-segment-moved}: a sender of an unbounded mailbox's handle holds the
 *     handle's send lock, has passed its open check and mapped segment {@code last}, but has not
 *     moved the handle's senders to it, nor unmapped (or kept for the close) the mapping they leave;</li>
 * <li>{@code before-segment-retired}: a receiver of an unbounded mailbox found its segment drained,
 *     with a newer one in the chain and no claim pending, and marked it retiring, but has not
 *     removed nor unmapped it; and {@code after-segment-retired}: it has removed and unmapped it,
 *     but has not mapped the next one;</li>
 * <li>{@code wake-all-before-futex}: a wake of every waiter of a signal ({@code WakeSignal.wakeAll},
 *     as a close does) moved the signal word but has not called {@code FUTEX_WAKE} on its address.</li>
 * </ul>
 *
 * <p>Public only for the points that lie in other packages and modules (jipc-sync, jipc-core,
 * {@code io.jipc.segment}); not an API.
 */
public final class FaultInjection {
    static final int AFTER_TAIL_MOVE = 0;
    static final int BEFORE_COMMIT = 1;
    static final int AFTER_COMMIT = 2;
    static final int BEFORE_WAKE = 3;
    public static final int RELEASE_BEFORE_WAKE = 4;
    public static final int TAKEN_BEFORE_WAKE = 5;
    public static final int RELEASE_BEFORE_SEQUENCE = 6;
    static final int STALL_RESOLVED = 7;
    public static final int AFTER_FILE_CREATED = 8;
    public static final int BEFORE_SEGMENT_READY = 9;
    public static final int BEFORE_UNUSABLE_REMOVED = 10;
    static final int BEFORE_SLOT_FREED = 11;
    static final int STALL_CLAIMER_ALIVE = 12;
    public static final int BEFORE_CONDEMNED = 13;
    public static final int SEGMENT_NOT_READY = 14;
    public static final int BEFORE_SEGMENT_LINKED = 15;
    public static final int BEFORE_SEGMENTS_REMOVED = 16;
    public static final int BEFORE_SEND_SEGMENT_MOVED = 17;
    static final int WAKE_ALL_BEFORE_FUTEX = 18;
    public static final int BEFORE_SEGMENT_RETIRED = 19;
    public static final int AFTER_SEGMENT_RETIRED = 20;
    private static final String[] NAMES = {"after-tail-move", "before-commit", "after-commit", "before-wake",
        "release-before-wake", "taken-before-wake", "release-before-sequence", "stall-resolved",
        "after-file-created", "before-segment-ready", "before-unusable-removed", "before-slot-freed",
        "stall-claimer-alive", "before-condemned", "segment-not-ready", "before-segment-linked",
        "before-segments-removed", "before-send-segment-moved", "wake-all-before-futex",
        "before-segment-retired", "after-segment-retired"};

    public static final boolean ENABLED;
    private static final double[] PROBABILITY = new double[NAMES.length];
    /** The actions of a point: {@code park}, the default. */
    static final int PARK = 0;
    /** Stop the process ({@code SIGSTOP}). */
    static final int STOP = 1;
    /** Run the {@link #callback}. */
    static final int CALL = 2;
    /** Per point: its action, {@link #PARK}, {@link #STOP} or {@link #CALL}. */
    private static final int[] ACTION = new int[NAMES.length];

    /**
     * What a point whose action is {@code call} runs, with the point's name, in the thread that
     * reached it: set by a test's program before it reaches such a point (null: nothing runs).
     * Never read unless {@code jipc.faults} names a point with that action.
     */
    public static volatile Consumer<String> callback;

    static {
        String spec = System.getProperty("jipc.faults");
        ENABLED = spec != null && !spec.isBlank();
        if (ENABLED) {
            parse(spec, PROBABILITY, ACTION);
        }
    }

    /**
     * Reads {@code spec}, the value of {@code jipc.faults}, into {@code probability} and
     * {@code action} (indexed by point). Each comma-separated item is {@code point[:probability[:action]]},
     * every field trimmed; the point is one of those of the class comment (any case), the probability a number
     * from 0 to 1, the action {@code park}, {@code stop} or {@code call} (any case).
     *
     * @throws IllegalArgumentException naming the item if it is empty, names no point, has an empty
     *                                  or invalid probability, an unknown action, or more fields
     */
    static void parse(String spec, double[] probability, int[] action) {
        for (String item : spec.split(",", -1)) {
            String[] fields = item.split(":", -1);
            String problem = null;
            int point = -1;
            double p = 1.0;
            int act = PARK;
            for (int i = 0; i < fields.length; i++) {
                fields[i] = fields[i].trim();
            }
            if (fields.length > 3) {
                problem = "too many fields (point[:probability[:action]])";
            } else {
                point = indexOf(fields[0].toLowerCase(Locale.ROOT));
                if (point < 0) {
                    problem = fields[0].isEmpty() ? "no point named" : "unknown point '" + fields[0] + "'";
                } else if (fields.length > 1) {
                    try {
                        p = Double.parseDouble(fields[1]);
                        if (!(p >= 0 && p <= 1)) {
                            problem = "probability " + fields[1] + " is not between 0 and 1";
                        }
                    } catch (NumberFormatException e) {
                        problem = fields[1].isEmpty() ? "empty probability" : "invalid probability '" + fields[1] + "'";
                    }
                    if (problem == null && fields.length > 2) {
                        switch (fields[2].toLowerCase(Locale.ROOT)) {
                            case "park" -> act = PARK;
                            case "stop" -> act = STOP;
                            case "call" -> act = CALL;
                            default -> problem = "unknown action '" + fields[2] + "' (park, stop or call)";
                        }
                    }
                }
            }
            if (problem != null) {
                throw new IllegalArgumentException("jipc.faults: " + problem + " in '" + item + "' of '" + spec
                        + "'; items are point[:probability[:action]], points " + String.join(", ", NAMES));
            }
            probability[point] = p;
            action[point] = act;
        }
    }

    /** How many points there are (the length of {@link #parse}'s arrays). */
    static int points() {
        return NAMES.length;
    }

    private static int indexOf(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private FaultInjection() {
    }

    /**
     * At fault point {@code which}: maybe stall for ever (park), stop this process and return
     * once it is continued (stop), or run the {@link #callback} (call).
     */
    public static void point(int which) {
        if (PROBABILITY[which] > 0 && ThreadLocalRandom.current().nextDouble() < PROBABILITY[which]) {
            if (ACTION[which] == CALL) {
                Consumer<String> call = callback;
                if (call != null) {
                    call.accept(NAMES[which]);
                }
                return;
            }
            System.out.println("FAULT " + NAMES[which]);
            System.out.flush();
            if (ACTION[which] == STOP) {
                // Sent to this thread: it is pending here, so this thread stops (and with it, the
                // whole process) before it returns from the system call. Sent to the process,
                // kill(getpid(), SIGSTOP), another thread may take it and this one runs on for a while.
                Signals.tgkill(Signals.gettid(), Signals.SIGSTOP);
                return;
            }
            while (true) {
                LockSupport.parkNanos(1_000_000_000L);
            }
        }
    }
}
