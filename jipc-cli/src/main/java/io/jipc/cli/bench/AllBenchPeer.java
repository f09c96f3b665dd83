package io.jipc.cli.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The second process of {@code jipc bench} (all mechanisms): reads one line per mechanism from its
 * standard input, {@code <id> <argument>}, prints {@code READY <id>}, joins the channel pair with
 * {@link Mechanism#connect}, echoes the ping-pong ({@link Link#echo()}) and sinks the one-way
 * rounds of every message size ({@link Link#sink()}); at the end of its input it prints
 * {@code PEER DONE}. It halts when its parent exits.
 */
public final class AllBenchPeer {
    private AllBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = control.readLine()) != null && !line.isBlank(); ) {
            int space = line.indexOf(' ');
            String id = line.substring(0, space);
            System.out.println("READY " + id);
            System.out.flush();
            try (Link link = Mechanisms.byId(id).connect(line.substring(space + 1))) {
                link.echo();
                link.sink();
            }
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }
}
