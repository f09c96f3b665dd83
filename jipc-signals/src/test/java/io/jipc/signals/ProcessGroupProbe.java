package io.jipc.signals;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildMain;

/**
 * A child JVM that tries the process group calls on itself: prints {@code SELF pid=<pid> pgid=<pgid>},
 * {@code START <returned>}, {@code JOIN-OWN <pgid after>} (joining the group it is in), then
 * {@code JOIN-OTHER <pgid after>} or {@code JOIN-OTHER REFUSED <message>} for the group given as its
 * argument, then {@code DONE}.
 */
public final class ProcessGroupProbe {
    public static void main(String[] args) {
        ChildMain.dieWithParent();
        long pid = ProcessHandle.current().pid();
        System.out.println("SELF pid=" + pid + " pgid=" + ProcessSignals.currentProcessGroup());
        System.out.println("START " + ProcessSignals.startProcessGroup());
        ProcessSignals.joinProcessGroup(ProcessSignals.currentProcessGroup());
        System.out.println("JOIN-OWN " + ProcessSignals.currentProcessGroup());
        try {
            ProcessSignals.joinProcessGroup(Long.parseLong(args[0]));
            System.out.println("JOIN-OTHER " + ProcessSignals.currentProcessGroup());
        } catch (ErrnoException e) {
            System.out.println("JOIN-OTHER REFUSED " + e.getMessage());
        }
        System.out.println("DONE");
    }
}
