package io.jipc.signals;

import io.jipc.testkit.ChildMain;

/**
 * A child process that listens for {@code SIGUSR1} (a {@link SignalListener}) and waits for
 * {@code SIGTERM} on a {@link SignalDoorbell}; it exits with status 0 when {@code SIGTERM} rings.
 *
 * <p>Argument: {@code none}, {@code lead} (start a process group) or {@code join:<pgid>}. Prints
 * {@code READY pid=<pid> pgid=<pgid>}, then {@code RANG SIGUSR1 deliveries=<n> thread=<name>
 * virtual=<bool>} per ring, then {@code TERM usr1=<total deliveries>}.
 */
public final class SignalChild {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        String group = args.length > 0 ? args[0] : "none";
        if (group.equals("lead")) {
            ProcessSignals.startProcessGroup();
        } else if (group.startsWith("join:")) {
            ProcessSignals.joinProcessGroup(Long.parseLong(group.substring(5)));
        }
        try (SignalDoorbell term = SignalDoorbell.open(Signal.SIGTERM);
             SignalListener usr1 = SignalListener.start(Signal.SIGUSR1, (signal, deliveries) -> {
                 Thread self = Thread.currentThread();
                 System.out.println("RANG " + signal + " deliveries=" + deliveries + " thread=" + self.getName()
                         + " virtual=" + self.isVirtual());
             })) {
            System.out.println("READY pid=" + ProcessHandle.current().pid() + " pgid="
                    + ProcessSignals.currentProcessGroup());
            term.take();
            System.out.println("TERM usr1=" + usr1.deliveries());
        }
    }
}
