import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqMessage;
import io.jipc.mq.MqSubscription;
import io.jipc.mq.PosixMessageQueue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * Asynchronous notification: instead of blocking in take(), subscribe a listener that is called
 * (on a virtual thread) for each message as it arrives; the main thread is free meanwhile. Stops at
 * a message "stop" and removes the queue.
 *
 * <pre>examples/run mq/MqWatcher.java /alerts</pre>
 */
public class MqWatcher {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1 || args.length > 0 && !args[0].startsWith("/")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "/alerts";
        CountDownLatch stop = new CountDownLatch(1);
        try (PosixMessageQueue queue = PosixMessageQueue.openOrCreate(name, MqAttributes.of(10, 1024));
             MqSubscription subscription = queue.subscribe((MqMessage message) -> {
                 String text = new String(message.payload(), StandardCharsets.UTF_8);
                 System.out.println("notified: '" + text + "' (priority " + message.priority() + ")");
                 if (text.equals("stop")) {
                     stop.countDown();
                 }
             })) {
            System.out.println("listening on " + name + "; the main thread just waits");
            stop.await();
        }
        PosixMessageQueue.unlink(name);
        System.out.println("queue " + name + " unlinked");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run mq/MqWatcher.java [/queue]");
        System.exit(2);
    }
}
