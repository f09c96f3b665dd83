package io.jipc.ring;

import io.jipc.testkit.ChildMain;

/**
 * A child JVM for {@link FaultInjectionTest}: prints {@code ENABLED <whether fault points are on>},
 * reaches the fault point {@code stall-resolved} {@code args[0]} times (1 if no argument), printing
 * {@code PASSED <n>} after each, then exits. With a second argument {@code callback} it first sets the
 * {@linkplain FaultInjection#callback callback} of the {@code call} action, which prints
 * {@code CALLED <point> <n>} (the point's n-th call).
 */
public final class FaultChild {
    private FaultChild() {
    }

    public static void main(String[] args) {
        ChildMain.dieWithParent();
        System.out.println("ENABLED " + FaultInjection.ENABLED);
        System.out.flush();
        int times = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        if (args.length > 1 && args[1].equals("callback")) {
            int[] calls = new int[1];
            FaultInjection.callback = point -> {
                System.out.println("CALLED " + point + " " + ++calls[0]);
                System.out.flush();
            };
        }
        for (int i = 1; i <= times; i++) {
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.STALL_RESOLVED);
            }
            System.out.println("PASSED " + i);
            System.out.flush();
        }
    }
}
