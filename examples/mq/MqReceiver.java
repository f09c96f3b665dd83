import io.jipc.mq.MqAttributes;
import io.jipc.mq.MqMessage;
import io.jipc.mq.PosixMessageQueue;

import java.nio.charset.StandardCharsets;

/**
 * Terminal 2: receives from the queue, highest priority first, until a message "stop"; then
 * removes the queue's name (mq_unlink).
 *
 * <pre>examples/run mq/MqReceiver.java /orders</pre>
 */
public class MqReceiver {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1 || args.length > 0 && !args[0].startsWith("/")) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "/orders";
        try (PosixMessageQueue queue = PosixMessageQueue.openOrCreate(name, MqAttributes.of(10, 1024))) {
            System.out.println("receiving from " + queue + ", " + queue.attributes().currentMessages() + " waiting");
            while (true) {
                MqMessage message = queue.take();                 // the oldest of the highest priority
                String text = new String(message.payload(), StandardCharsets.UTF_8);
                System.out.println("received '" + text + "' (priority " + message.priority() + ")");
                if (text.equals("stop")) {
                    break;
                }
            }
        }
        if (PosixMessageQueue.unlink(name)) {                  // queues outlive processes until unlinked
            System.out.println("queue " + name + " unlinked");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run mq/MqReceiver.java [/queue]");
        System.exit(2);
    }
}
