package io.jipc.naming.local;

import io.jipc.ErrnoException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A child of {@link NamingDescriptorPressureTest} that uses the local name service with its descriptor
 * table full (run under {@code prlimit --nofile=N:N} so that filling it is quick). Each command looks
 * {@code NAME} up first (it must be held by another process), so that every class it needs is loaded,
 * then fills the table with {@code /dev/null} and prints one line after freeing it again:
 * <ul>
 * <li>{@code judge NAME} — {@code JUDGED <liveness>}: the stored entry judged with no descriptor free;</li>
 * <li>{@code lookup NAME} — {@code LOOKUP present}, {@code LOOKUP empty} or {@code LOOKUP threw <class> <errno>};</li>
 * <li>{@code steal NAME ATTEMPTS} — two descriptors are left free, which a second thread keeps opening
 *     and closing (a busy server at its {@code ulimit -n}), while this one tries to register NAME
 *     ATTEMPTS times: {@code OUTCOMES {...}} then {@code STOLEN} or {@code KEPT};</li>
 * <li>{@code watch NAME PREFIX FREE COUNT} — with FREE descriptors left, watches PREFIX (held by a
 *     process the parent then kills), prints {@code WATCHING}, waits for COUNT {@code UNREGISTERED}
 *     events or 60 s, and prints {@code UNREGISTERED <count>}.</li>
 * </ul>
 */
public final class StarvedNamingChild {
    private static volatile boolean stop;

    private StarvedNamingChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        // no ChildMain.dieWithParent(): the JDK's watch of a parent that is not its child reads
        // /proc/PID/stat and takes EMFILE for the parent's exit, which would halt this child (97);
        // every command ends by itself, after a bounded number of attempts
        String name = args[1];
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            NameEntry stored = names.lookup(name).orElseThrow(() -> new IllegalStateException(name + " is not held"));
            LocalNameService.log().log(System.Logger.Level.INFO, "loaded"); // a warning then needs no class or file
            switch (args[0]) {
                case "judge" -> {
                    List<Integer> hog = fill(0);
                    NameEntry judged = LocalNameService.judge(stored);
                    release(hog);
                    say("JUDGED " + judged.liveness());
                }
                case "lookup" -> {
                    List<Integer> hog = fill(0);
                    String outcome;
                    try {
                        outcome = names.lookup(name).isPresent() ? "present" : "empty";
                    } catch (ErrnoException e) {
                        outcome = "threw " + e.getClass().getSimpleName() + " " + e.errnoName();
                    } catch (RuntimeException e) {
                        outcome = "threw " + e.getClass().getSimpleName() + " " + e.getMessage();
                    }
                    release(hog);
                    say("LOOKUP " + outcome);
                }
                case "steal" -> steal(names, name, Integer.parseInt(args[2]));
                case "watch" -> watch(names, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    private static void steal(NameService names, String name, int attempts) throws InterruptedException {
        try { // loads what register needs while descriptors are free
            names.register(name, NameRecord.of("test", "thief", "")).close();
            throw new IllegalStateException("registered " + name + " before any pressure");
        } catch (NameTakenException expected) {
            // held, as it should be
        }
        int free = 2;
        List<Integer> hog = fill(free);
        Thread churn = Thread.ofPlatform().start(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop) {
                List<Integer> got = new ArrayList<>();
                try {
                    for (int k = 0; k < free; k++) {
                        got.add(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
                    }
                } catch (ErrnoException full) {
                    // the other thread holds one just now
                }
                spin(random.nextInt(3000));
                got.forEach(Libc::close);
                spin(random.nextInt(3000));
            }
        });
        Map<String, Integer> outcomes = new TreeMap<>();
        Registration won = null;
        for (int i = 0; i < attempts && won == null; i++) {
            try {
                won = names.register(name, NameRecord.of("test", "thief", ""));
            } catch (NameTakenException e) {
                outcomes.merge("taken", 1, Integer::sum);
            } catch (RuntimeException e) {
                outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            }
        }
        stop = true;
        churn.join();
        release(hog);
        say("OUTCOMES " + outcomes);
        Optional<NameEntry> now = names.lookup(name);
        say(won != null ? "STOLEN " + now : "KEPT");
    }

    private static void watch(NameService names, String prefix, int free, int count) throws InterruptedException {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch warmUp = names.watch("warm/", events::add)) { // loads what a watch and its events need
            // the name lives until its REGISTERED is seen: a watch may miss both events of a name
            // registered and removed at once, and two polls of 60 s then outlasted the parent's wait
            try (Registration warm = names.register("warm/up", NameRecord.of("test", "", ""))) {
                events.poll(60, TimeUnit.SECONDS);
            }
            events.poll(60, TimeUnit.SECONDS);
        }
        events.clear();
        List<Integer> hog = fill(free);
        int unregistered = 0;
        try (Watch watch = names.watch(prefix, events::add)) {
            say("WATCHING");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (unregistered < count && System.nanoTime() < deadline) {
                NameEvent event = events.poll(1, TimeUnit.SECONDS);
                if (event != null && event.type() == NameEvent.Type.UNREGISTERED) {
                    unregistered++;
                }
            }
        }
        release(hog);
        say("UNREGISTERED " + unregistered);
    }

    private static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** Opens {@code /dev/null} until the table is full, then closes {@code free} of them. */
    private static List<Integer> fill(int free) {
        List<Integer> fds = new ArrayList<>();
        try {
            while (true) {
                fds.add(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
            }
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EMFILE) {
                throw e;
            }
        }
        for (int i = 0; i < free; i++) {
            Libc.close(fds.removeLast());
        }
        return fds;
    }

    private static void release(List<Integer> fds) {
        fds.forEach(Libc::close);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
