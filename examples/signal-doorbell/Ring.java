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
        if (args.length < 1) {
            System.err.println("usage: Ring.java PID [count] [signal]");
            System.exit(2);
        }
        long pid = Long.parseLong(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Signal signal = args.length > 2 ? Signal.parse(args[2]) : Signal.SIGUSR1;
        for (int i = 0; i < count; i++) {
            ProcessSignals.send(pid, signal);
        }
        System.out.println("sent " + signal + " x" + count + " to pid " + pid);
    }
}
