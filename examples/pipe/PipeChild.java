import io.jipc.pipe.EndOfStreamException;
import io.jipc.pipe.PipeChannel;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The child of PipeParent: takes messages from its parent on descriptor 3, answers each in upper
 * case on descriptor 4, and exits when the parent closes its end (end of stream).
 */
public class PipeChild {
    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            usage();
        }
        PipeChannel wired = null;
        try {
            wired = PipeChannel.toParent();
        } catch (IllegalArgumentException notStartedByPipeParent) {  // descriptors 3 and 4 are no pipes
            fail("PipeChild runs as the child of PipeParent: run examples/run pipe/PipeParent.java hello world");
        }
        try (PipeChannel parent = wired) {
            while (true) {
                String message;
                try {
                    message = new String(parent.take(), StandardCharsets.UTF_8);
                } catch (EndOfStreamException e) {
                    System.out.println("child: end of stream, exiting");
                    return;
                }
                System.out.println("child: received '" + message + "'");
                parent.put(message.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run pipe/PipeChild.java");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
