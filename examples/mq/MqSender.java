import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 1: opens (or creates) a POSIX message queue and sends PRIORITY:TEXT messages into it.
 * They wait in the kernel until somebody receives them, whether or not this program still runs.
 *
 * <pre>examples/run mq/MqSender.java /orders 0:newsletter 3:refund 9:fraud-alert 3:invoice 0:stop</pre>
 */
public class MqSender {
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2 || !args[0].startsWith("/")) { // nothing to send: no queue made for nothing
            usage();
        }
        for (int i = 1; i < args.length; i++) {
            if (!args[i].matches("\\d+:.*")) {
                usage();
            }
        }
        String name = args[0];
        // 10 messages of at most 1 KiB: within the kernel's default limits (fs.mqueue.msg_max = 10)
        try (PosixMessageQueue queue = PosixMessageQueue.openOrCreate(name, MqAttributes.of(10, 1024))) {
            for (int i = 1; i < args.length; i++) {
                int colon = args[i].indexOf(':');
                int priority = Integer.parseInt(args[i].substring(0, colon));
                String text = args[i].substring(colon + 1);
                queue.put(text.getBytes(StandardCharsets.UTF_8), priority);   // blocks only while the queue is full
                System.out.println("sent '" + text + "' with priority " + priority);
            }
            System.out.println(queue.attributes().currentMessages() + " message(s) waiting in " + name);
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run mq/MqSender.java </queue> <priority:text>...");
        System.exit(2);
    }
}
