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
        try (PipeChannel parent = PipeChannel.toParent()) {
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
}
