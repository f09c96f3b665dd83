package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.platform.ProcessIdentity;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.signals.SignalDoorbell;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code jipc signal}: send signals, wait for them, list them. */
@Command(name = "signal", mixinStandardHelpOptions = true,
        description = "Send signals to processes or process groups, wait for one, list them.",
        subcommands = {SignalCommand.Send.class, SignalCommand.Wait.class, SignalCommand.ListSignals.class})
final class SignalCommand {

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = {"Send a signal to a process (or, with --group, to a process group).",
                    "A bare pid is signalled like kill(1) does: whichever process has that pid now. With --start-time "
                            + "the signal goes only to the process that started then (through a pidfd), never to a "
                            + "later one that reused the pid."})
    static final class Send implements Callable<Integer> {
        @Parameters(index = "0", description = "pid (or process group id with --group)")
        long target;

        @Parameters(index = "1", description = "signal: a name (USR1, SIGTERM) or a number 1..64, with or without "
                + "--group (real-time signals, 34..64, have no name)")
        String signal;

        @Option(names = "--group", description = "send to every process of process group TARGET")
        boolean group;

        @Option(names = "--start-time", paramLabel = "TICKS", description = "send only if pid TARGET is still the "
                + "process that started at TICKS (clock ticks since boot: field 22 of /proc/TARGET/stat); if it has "
                + "ended, nothing is sent and the exit code is 1")
        Long startTime;

        @Override
        public Integer call() {
            // a bad signal or pid (IllegalArgumentException) is a usage error, a refusal of kill(2) exit
            // code 1: both reported by CommandFailures
            if (group && startTime != null) {
                throw new IllegalArgumentException("--start-time names one process, not a process group: it does not "
                        + "go with --group");
            }
            if (startTime != null && startTime < 0) {
                throw new IllegalArgumentException("--start-time must not be negative, got " + startTime);
            }
            String text = signal.strip();
            int sent;
            if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                // real-time signals have no name; a number too long for an int is out of range all the same,
                // and the message shows it as typed
                String digits = text.replaceFirst("^0+(?=.)", "");
                if (digits.length() > 9) {
                    throw new IllegalArgumentException("signal number must be 1..64, got " + text);
                }
                sent = Integer.parseInt(digits);
            } else {
                sent = Signal.parse(text).number();
            }
            if (sent == 0 && !group) { // the library's message names a Java method instead
                throw new IllegalArgumentException("signal number must be 1..64, got 0 (0 sends nothing: "
                        + (startTime == null ? "'test -e /proc/" + target + "' tells whether pid " + target + " is in use"
                        : "pid " + target + " is still the process started at tick " + startTime + " if "
                        + "\"sed 's/.*) //' /proc/" + target + "/stat | cut -d' ' -f20\" prints " + startTime) + ")");
            }
            String to;
            if (group) {
                ProcessSignals.sendToGroup(target, sent);
                to = "process group " + target;
            } else if (startTime != null) {
                ProcessSignals.send(new ProcessIdentity(target, startTime), sent);
                to = "pid " + target + " (started at tick " + startTime + ")";
            } else {
                ProcessSignals.send(target, sent);
                to = "pid " + target;
            }
            System.out.println("sent " + describe(sent) + " to " + to);
            return 0;
        }

        /** {@code SIGUSR1 (10)} for a standard signal, {@code signal 40} for a number without a name. */
        private static String describe(int number) {
            return number <= Signal.values().length ? Signal.of(number) + " (" + number + ")" : "signal " + number;
        }
    }

    /**
     * {@code jipc signal wait SIG}: opens a doorbell of the signal in this JVM and prints each ring,
     * blocking the calling thread. The doorbell is left open when the command returns, so the signal
     * stays caught until the process has exited (see the comment in {@link #call()}); a JVM that runs
     * it through {@link Main#run} (a test) keeps that doorbell, and the signal, until it exits.
     */
    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = {"Wait for a signal to this process and print each ring (deliveries coalesce).",
                    "The signal stays caught until the command has exited: more of it after the last ring awaited "
                    + "are absorbed, and end or stop nothing."})
    static final class Wait implements Callable<Integer> {
        @Parameters(index = "0", description = "signal name, e.g. USR1")
        String signal;

        @Option(names = "--count", description = "rings to wait for, 0 for no limit: for ever, or with --timeout until "
                + "no ring comes within it (exit code 0) (default: ${DEFAULT-VALUE})")
        long count = 1;

        @Option(names = "--timeout", description = "give up after this long without a ring, e.g. 5s")
        String timeoutText;

        @Override
        public Integer call() throws InterruptedException {
            if (count < 0) {
                throw new IllegalArgumentException("--count must not be negative: " + count);
            }
            Signal sig = Signal.parse(signal); // an unknown name: a usage error (CommandFailures)
            Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
            SignalDoorbell doorbell;
            try {
                // refused for a signal the JVM keeps (QUIT, SEGV, ...) and in a JVM started with -Xrs
                doorbell = SignalDoorbell.open(sig);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // IllegalStateException: the process's disposition of the signal is not the JVM's handler
                System.err.println("jipc signal wait: " + e.getMessage());
                return 1;
            }
            // Never closed: the doorbell keeps absorbing the signal until the process is gone. Closing it
            // would put back the signal's previous action (the default: terminate, or stop for TSTP/TTIN/
            // TTOU; the JVM's shutdown, 128 + n, for TERM/INT/HUP), and the same signal arriving in the
            // 10-250 ms the JVM takes to exit would end the command with that instead of its exit code,
            // or leave it stopped. A sender that rings more than once (a retry, a burst) does that.
            System.out.println("pid " + ProcessHandle.current().pid() + " waiting for " + sig);
            for (long rings = 0; count == 0 || rings < count; rings++) {
                long deliveries = timeout == null ? doorbell.take() : doorbell.poll(timeout);
                if (deliveries == 0) {
                    if (count == 0) {
                        return 0; // quiet for --timeout: the end a count of 0 asks for
                    }
                    System.err.println("jipc signal wait: no " + sig + " within " + Timeouts.text(timeout));
                    return 1;
                }
                System.out.println(sig + " rang (" + deliveries + " delivery(ies))");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the standard signals, their default actions and whether a JVM may handle them.")
    static final class ListSignals implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.printf("%-3s %-10s %-10s %-44s %s%n", "#", "signal", "default", "meaning", "in a JVM");
            for (Signal s : Signal.values()) {
                System.out.printf("%-3d %-10s %-10s %-44s %s%n", s.number(), s, s.defaultAction().name().toLowerCase(),
                        s.description(), s.reservedBecause().map(why -> "reserved: " + why).orElse("doorbell"));
            }
            return 0;
        }
    }
}
