import io.jipc.pipe.Command;
import io.jipc.pipe.ExitStatus;
import io.jipc.pipe.Pipeline;
import io.jipc.pipe.Redirect;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The shell's  tr -s ' ' '\n' | sort | uniq -c  built from kernel pipes: this JVM feeds the first
 * stage, each stage's stdout is a pipe into the next one's stdin, and the last stage's output comes
 * back to this JVM. Exit statuses of every stage are printed (the shell's PIPESTATUS).
 *
 *   examples/run pipeline/WordCount.java "the cat and the dog and the bird"
 */
public class WordCount {
    public static void main(String[] args) throws Exception {
        String text = args.length > 0 ? String.join(" ", args) : "the cat and the dog and the bird";
        try (Pipeline pipeline = Pipeline.start(
                Command.of("tr", "-s", " ", "\\n").stdin(Redirect.PIPE),
                Command.of("sort"),
                Command.of("uniq", "-c").stdout(Redirect.PIPE))) {
            System.out.println("started " + pipeline);
            pipeline.stdin().write((text + "\n").getBytes(StandardCharsets.UTF_8));
            pipeline.stdin().close(); // end of file travels down the pipeline
            String counts = new String(pipeline.stdout().readAllBytes(), StandardCharsets.UTF_8);
            for (String line : counts.strip().split("\n")) {
                System.out.println("count: " + line.strip());
            }
            List<ExitStatus> statuses = pipeline.waitFor();
            System.out.println("exit statuses: " + statuses);
        }
    }
}
