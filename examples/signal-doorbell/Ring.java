import io.jipc.ErrnoException;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;

/**
 * Terminal 2: rings the doorbell of process {@code pid}: sends it SIGUSR1 {@code count} times in a
 * burst. The kernel keeps one pending SIGUSR1 per process, so the receiver may see fewer rings.
 *
 * <pre>examples/run signal-doorbell/Ring.java PID [count] [signal]</pre>
 */
public class Ring {
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3 || !args[0].matches("\\d+") || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }

        long pid = Long.parseLong(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Signal signal = Signal.SIGUSR1;
        try {
            signal = args.length > 2 ? Signal.parse(args[2]) : Signal.SIGUSR1;
        } catch (IllegalArgumentException notASignal) {
            usage();
        }
        try {
            for (int i = 0; i < count; i++) {
                ProcessSignals.send(pid, signal);
            }
        } catch (ErrnoException e) {
            if (!e.errnoName().equals("ESRCH")) {
                throw e;
            }
            fail("no process " + pid + ": start Doorbell and give the pid it prints");
        }
        System.out.println("sent " + signal + " x" + count + " to pid " + pid);
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run signal-doorbell/Ring.java <pid> [count] [signal]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
