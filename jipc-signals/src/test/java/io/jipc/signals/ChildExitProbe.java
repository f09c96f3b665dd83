package io.jipc.signals;

import io.jipc.testkit.ChildMain;

/**
 * A child JVM that opens a {@code SIGCHLD} doorbell before it has ever started a process, then
 * starts {@code sh -c 'exit 7'} and waits for it: prints {@code OPENED}, {@code EXITED <status>}
 * ({@code Process.waitFor()}: the JDK still reaps its children) and {@code RANG <deliveries>} once
 * the doorbell rings ({@code take()}, no limit: the parent's line timeout guards the hang), twice,
 * then {@code DONE}. With argument {@code unstartable} (run it with a bad
 * {@code -Djdk.lang.Process.launchMechanism}): prints {@code OPENED}, then {@code START FAILED
 * <messages of the cause chain>} for the process it cannot start, then {@code RANG <deliveries>}
 * for a {@code SIGCHLD} sent to itself, then {@code DONE}.
 */
public final class ChildExitProbe {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        boolean unstartable = args.length > 0 && args[0].equals("unstartable");
        try (SignalDoorbell chld = SignalDoorbell.open(Signal.SIGCHLD)) {
            System.out.println("OPENED");
            if (unstartable) {
                try {
                    new ProcessBuilder("true").start();
                    System.out.println("STARTED");
                } catch (Throwable t) {
                    StringBuilder chain = new StringBuilder("START FAILED");
                    for (Throwable c = t; c != null; c = c.getCause()) {
                        chain.append(" | ").append(c);
                    }
                    System.out.println(chain);
                }
                ProcessSignals.send(ProcessHandle.current().pid(), Signal.SIGCHLD);
                System.out.println("RANG " + chld.take());
            } else {
                for (int round = 0; round < 2; round++) {
                    Process child = new ProcessBuilder("sh", "-c", "exit 7").start();
                    System.out.println("EXITED " + child.waitFor());
                    System.out.println("RANG " + chld.take());
                }
            }
        }
        System.out.println("DONE");
    }
}
