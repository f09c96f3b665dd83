package io.jipc.naming.local;

import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.testkit.ChildMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child process of the naming tests. Commands:
 * <ul>
 * <li>{@code open} — opens the local service and prints {@code OPENED <names>} or {@code FAILED <exception>};</li>
 * <li>{@code hold NAME} — registers NAME, prints {@code HOLDING <pid>}, holds it until a line on stdin;</li>
 * <li>{@code hold-many PREFIX COUNT} — registers {@code PREFIX0} ... up to COUNT names, prints
 *     {@code HOLDING <pid>}, holds them until a line on stdin;</li>
 * <li>{@code race ROUNDS PREFIX...} — prints {@code READY}, reads a start instant (epoch ms) and waits
 *     for it, then for each round and prefix tries to register {@code PREFIX<round>}; prints
 *     {@code WON name...}, {@code LOST <count>} and {@code DONE}, then holds its names until a line on
 *     stdin.</li>
 * <li>{@code fill COUNT} — binds {@code n0}, {@code n1}, ... up to COUNT names, prints {@code BOUND <count>}
 *     and then {@code FAILED <exception class> <message>} for the first that fails, or {@code FILLED}.</li>
 * </ul>
 */
public final class NamingChild {
    private NamingChild() {
    }

    public static void main(String[] args) throws IOException {
        ChildMain.dieWithParent();
        if (args[0].equals("open")) {
            say("HELLO uid=" + io.jipc.platform.Libc.geteuid());
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                say("OPENED " + names.list("").size());
            } catch (RuntimeException e) {
                say("FAILED " + e.getClass().getName() + " " + e.getMessage());
            }
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            switch (args[0]) {
                case "hold" -> {
                    names.register(args[1], NameRecord.of("test", "child", "pid-" + ProcessHandle.current().pid()));
                    say("HOLDING " + ProcessHandle.current().pid());
                    in.readLine();
                }
                case "hold-many" -> {
                    List<Registration> held = new ArrayList<>();
                    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                        held.add(names.register(args[1] + i, NameRecord.of("test", "child", "")));
                    }
                    say("HOLDING " + ProcessHandle.current().pid());
                    in.readLine();
                }
                case "race" -> {
                    int rounds = Integer.parseInt(args[1]);
                    int offset = Integer.parseInt(args[2]); // this racer's first name: see the test
                    List<Registration> won = new ArrayList<>();
                    int lost = 0;
                    say("READY");
                    // the parent sends the wall-clock instant (ms) at which every racer starts
                    long start = Long.parseLong(in.readLine().strip());
                    for (int round = 0; round < rounds; round++) {
                        // round r starts 10r ms after the common start, on the wall clock to the
                        // microsecond, so that the racers meet at every name. Free-running, on two cores,
                        // the racer that ran first stayed ahead and won every name (CI saw one winner in
                        // three races in a row): the others slept in the directory lock's backoff
                        sleepUntil(TimeUnit.MILLISECONDS.toNanos(start + 10L * round));
                        for (int p = 3; p < args.length; p++) {
                            try {
                                won.add(names.register(args[p] + (round + offset) % rounds,
                                        NameRecord.of("race", "", "")));
                            } catch (NameTakenException taken) {
                                lost++;
                            }
                        }
                    }
                    StringBuilder line = new StringBuilder("WON");
                    won.forEach(r -> line.append(' ').append(r.name()));
                    say(line.toString());
                    say("LOST " + lost);
                    say("DONE");
                    in.readLine();
                }
                case "list" -> { // lists args[1] times, then says how many names the last listing had
                    int listed = 0;
                    for (int i = Integer.parseInt(args[1]); i > 0; i--) {
                        listed = names.list("").size();
                    }
                    say("LISTED " + listed);
                }
                case "fill" -> {
                    int count = Integer.parseInt(args[1]);
                    for (int i = 0; i < count; i++) {
                        try {
                            names.bind("n" + i, NameRecord.of("test", "child", ""));
                        } catch (RuntimeException e) {
                            say("BOUND " + i);
                            say("FAILED " + e.getClass().getName() + " " + e.getMessage());
                            return;
                        }
                    }
                    say("FILLED");
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    /** Sleeps until the wall clock reads {@code epochNanos}. */
    private static void sleepUntil(long epochNanos) {
        for (long left; (left = epochNanos - epochNanos(Instant.now())) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    private static long epochNanos(Instant instant) {
        return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
