package io.jipc.testkit;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one shutdown hook of the test kit, so that its steps run in order: first every child JVM is
 * killed ({@link ChildJvm#killAll}), then the POSIX queues this JVM named are unlinked
 * ({@link TestQueues}) and the scratch directories the children may have written to are deleted
 * ({@link ShmScratch}). Installed by the first of those classes to be used; a class
 * first used during shutdown installs nothing (the JVM would refuse a hook then).
 */
final class ShutdownNet {
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private ShutdownNet() {
    }

    static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ShutdownNet::run, "jipc-testkit-shutdown"));
        }
    }

    private static void run() {
        ChildJvm.killAll();
        TestQueues.unlinkIssued();
        ShmScratch.deleteAllNamed();
    }
}
