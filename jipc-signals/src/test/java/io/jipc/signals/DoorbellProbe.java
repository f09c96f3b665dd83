package io.jipc.signals;

import io.jipc.testkit.ChildMain;

/**
 * A child JVM that reports whether doorbells can be opened in it: prints
 * {@code UNAVAILABLE <reason>} or {@code AVAILABLE}, then {@code <SIGNAL> OPENED} or
 * {@code <SIGNAL> REFUSED <message>} for each signal named in its arguments, then {@code DONE}.
 */
public final class DoorbellProbe {
    public static void main(String[] args) {
        ChildMain.dieWithParent();
        System.out.println(SignalDoorbell.unavailableBecause().map(why -> "UNAVAILABLE " + why).orElse("AVAILABLE"));
        for (String name : args) {
            Signal signal = Signal.valueOf(name);
            try (SignalDoorbell doorbell = SignalDoorbell.open(signal)) {
                System.out.println(signal + " OPENED " + doorbell.signal());
            } catch (IllegalArgumentException e) {
                System.out.println(signal + " REFUSED " + e.getMessage());
            }
        }
        System.out.println("DONE");
    }
}
