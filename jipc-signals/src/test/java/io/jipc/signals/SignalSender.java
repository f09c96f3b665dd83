package io.jipc.signals;

import io.jipc.ErrnoException;
import io.jipc.testkit.ChildMain;

/**
 * A child process that sends signal {@code args[1]} to pid {@code args[0]} and prints
 * {@code CAN_SIGNAL <bool>} and then {@code SENT} or the errno name of the failure.
 */
public final class SignalSender {
    public static void main(String[] args) {
        ChildMain.dieWithParent();
        long pid = Long.parseLong(args[0]);
        System.out.println("CAN_SIGNAL " + ProcessSignals.canSignal(pid));
        try {
            ProcessSignals.send(pid, Signal.parse(args[1]));
            System.out.println("SENT");
        } catch (ErrnoException e) {
            System.out.println(e.errnoName() + " " + e.getMessage());
        }
    }
}
