package io.jipc.signals;

import io.jipc.testkit.ChildMain;

/** A child JVM without any signal handler of its own: prints {@code READY} and sleeps. */
public final class PlainChild {
    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        System.out.println("READY pid=" + ProcessHandle.current().pid());
        Thread.sleep(600_000);
    }
}
