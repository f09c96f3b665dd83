package io.jipc.signals;

import io.jipc.testkit.ChildMain;

/**
 * A child JVM with the usual pattern of a service: a {@code SIGTERM} listener whose handler calls
 * {@code System.exit(0)}, and a shutdown hook that closes the listener. Prints {@code READY}, then
 * {@code HANDLER exiting} and {@code HOOK closed} on {@code SIGTERM}, and exits with status 0.
 */
public final class ExitingHandlerChild {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        SignalListener listener = SignalListener.start(Signal.SIGTERM, (signal, deliveries) -> {
            System.out.println("HANDLER exiting");
            System.exit(0);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            listener.close();
            System.out.println("HOOK closed");
        }));
        System.out.println("READY");
        Thread.sleep(600_000);
    }
}
