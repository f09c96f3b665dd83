import io.jipc.pipe.ChildProcess;
import io.jipc.pipe.Command;
import io.jipc.pipe.PipeChannel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A parent JVM that starts a child JVM and talks to it through two kernel pipes, one message at a
 * time: pipe(2) twice, the child's descriptors 3 and 4 wired to them, frames keep the boundaries.
 *
 *   examples/run pipe/PipeParent.java hello world
 *   examples/run pipe/PipeParent.java --hold hello     (keeps the pipes open until Enter)
 */
public class PipeParent {
    public static void main(String[] args) throws Exception {
        boolean hold = args.length > 0 && args[0].equals("--hold");
        if (hold) {
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        // the child program the way examples/run started this one: from its source file, or compiled
        String child = System.getProperty("jdk.launcher.sourcefile") == null ? "PipeChild"
                : Path.of(System.getProperty("jipc.examples", "examples"), "pipe", "PipeChild.java").toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Command command = PipeChannel.prepare(Command.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), child));
        try (ChildProcess process = command.start(); PipeChannel channel = PipeChannel.toChild(process)) {
            System.out.println("started child pid " + process.pid() + "; pipe capacity "
                    + process.passedWriter(PipeChannel.CHILD_INPUT_FD).capacity() + " bytes");
            for (String word : args) {
                channel.put(word.getBytes(StandardCharsets.UTF_8));
                String reply = new String(channel.take(), StandardCharsets.UTF_8);
                System.out.println("sent '" + word + "', child replied '" + reply + "'");
            }
            if (hold) {
                System.out.println("holding the pipes open; look at them with: ls -l /proc/" + process.pid()
                        + "/fd   (press Enter to close them)");
                new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            }
            channel.close(); // the child reads end of stream and exits
            System.out.println("child " + process.waitFor());
        }
    }
}
