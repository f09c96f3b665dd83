import io.jipc.signals.Signal;
import io.jipc.signals.SignalDoorbell;
import io.jipc.signals.SignalListener;

/**
 * Terminal 1: a process with a doorbell. Every SIGUSR1 rings it (the handler runs on a virtual
 * thread named jipc-signal-SIGUSR1); SIGTERM, which would normally end the JVM at once, rings a
 * second doorbell that the main thread waits on, so the program stops in its own time.
 *
 * <pre>examples/run signal-doorbell/Doorbell.java</pre>
 */
public class Doorbell {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            usage();
        }
        long pid = ProcessHandle.current().pid();
        // Neither is closed: the program ends right after, and closing puts back each signal's previous
        // action for the moment the JVM takes to exit, so a SIGUSR1 then would kill it (status 138) and a
        // second SIGTERM end it with 143. Left open, they absorb whatever comes until the process is gone.
        SignalDoorbell stop = SignalDoorbell.open(Signal.SIGTERM);
        SignalListener bell = SignalListener.start(Signal.SIGUSR1, (signal, deliveries) ->
                System.out.println("rang: " + signal + ", " + deliveries + " delivery(ies) since the last ring, on "
                        + Thread.currentThread().getName()));
        System.out.println("pid " + pid + ": ring me with 'kill -USR1 " + pid + "' or Ring.java " + pid
                + "; stop me with 'kill -TERM " + pid + "'");
        stop.take();                                     // blocks until SIGTERM arrives
        System.out.println("SIGTERM: stopping after " + bell.deliveries() + " SIGUSR1 delivery(ies)");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run signal-doorbell/Doorbell.java");
        System.exit(2);
    }
}
