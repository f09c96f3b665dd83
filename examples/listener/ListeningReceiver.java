import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.mailbox.MailboxListener;
import io.jipc.mailbox.MailboxOptions;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Terminal 1: asks to be told of each message as it arrives (asynchronous notification) instead
 * of calling take(): the handler runs on the listener's virtual thread while the main thread is
 * free. After the message "bye" it closes the listener and removes the mailbox. If the listener
 * stops by itself (another process receives from the mailbox already, or the mailbox failed), the
 * program says why in one line and exits with status 1.
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
            while (!bye.await(100, TimeUnit.MILLISECONDS)) {    // the main thread could do anything here
                if (!listener.isRunning()) {                    // stopped by itself: failure() says why
                    failed(name, listener.failure().orElse(null));
                }
            }
            listener.close();                                   // stops the listener's thread
            System.out.println("listener closed after " + listener.handled() + " messages");
            news.destroy();
            System.out.println("mailbox '" + name + "' destroyed");
        } catch (MailboxBusyException e) {                      // listen() refuses at once: another receiver
            failed(name, e);
        }
    }

    /** The listener could not receive: why, in one line, exit status 1. */
    private static void failed(String name, Throwable why) {
        if (why instanceof MailboxBusyException busy) {
            fail("mailbox '" + name + "' already has a receiver, pid " + busy.holderPid()
                    + ": stop it first, or choose another mailbox");
        }
        fail("the listener of mailbox '" + name + "' stopped: " + why);
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run listener/ListeningReceiver.java [mailbox]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
