import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxListener;
import io.jipc.mailbox.MailboxOptions;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * Terminal 1: asks to be told of each message as it arrives (asynchronous notification) instead
 * of calling take(): the handler runs on the listener's virtual thread while the main thread is
 * free. After the message "bye" it closes the listener and removes the mailbox.
 *
 * <pre>examples/run listener/ListeningReceiver.java news</pre>
 */
public class ListeningReceiver {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            usage();
        }
        String name = args.length > 0 ? args[0] : "news";
        CountDownLatch bye = new CountDownLatch(1);
        try (Mailbox news = Mailbox.openOrCreate(name, MailboxOptions.defaults());
             MailboxListener listener = news.listen(message -> { // called once per message, in order
                 // the message is a view of shared memory, valid during the call: copy what you keep
                 String text = new String(message.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                 Thread thread = Thread.currentThread();
                 System.out.println("got '" + text + "' on thread " + thread.getName()
                         + (thread.isVirtual() ? " (virtual)" : ""));
                 if (text.equals("bye")) {
                     bye.countDown();
                 }
             })) {
            System.out.println("listening on mailbox '" + name + "'; the main thread is free meanwhile");
            bye.await();                                        // the main thread could do anything here
            listener.close();                                   // stops the listener's thread
            System.out.println("listener closed after " + listener.handled() + " messages");
            news.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run listener/ListeningReceiver.java [mailbox]");
        System.exit(2);
    }
}
