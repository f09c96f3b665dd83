package io.jipc.naming.local;

import io.jipc.ErrnoException;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.DescriptorHog;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every verb of the local name service in a process short of file descriptors fails with the
 * {@link ErrnoException} {@code EMFILE} (the project's rule: an error of the system names its errno),
 * or works. Until 2026-12-07 a register or bind with no descriptor free threw {@code NamingException
 * "cannot register ...: Too many open files (.../.tmp-...)"} caused by a {@code FileSystemException}
 * (the temporary file went through the JDK's channel), and a list with one free, a watch and an
 * awaitChange with two to four free {@code NamingException "cannot list the names in ..."} (the JDK's
 * listing takes two descriptors), and a registration's close with none or one free threw
 * {@code EMFILE}, closed, and left the name held by the live process, whose register of it again then
 * failed with {@code NameTakenException}. A child JVM under {@code prlimit --nofile=256:256} fills its table.
 */
@ExtendWith(JipcTestExtension.class)
class NamingOutOfDescriptorsTest {
    private static final List<String> VERBS = List.of("register", "bind", "lookup", "unregister", "list",
            "awaitChange", "watch");

    /**
     * Warms every verb, then runs each with the table full but 0 to 4 descriptors: one line
     * {@code VERB FREE ok}, {@code VERB FREE EMFILE <message>} or {@code VERB FREE OTHER <exception>}
     * each; the descriptors are released before what a verb made is closed or removed.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                names.bind("held/p", NameRecord.of("test", "p", ""));
                for (String verb : VERBS) { // loads what each verb needs while descriptors are free
                    AutoCloseable made = run(names, verb);
                    if (made != null) {
                        made.close();
                    }
                    names.unregister("made/b");
                }
                for (int free = 0; free <= 4; free++) {
                    for (String verb : VERBS) {
                        List<Integer> hog = DescriptorHog.fill(free);
                        String outcome;
                        AutoCloseable made = null;
                        try {
                            made = run(names, verb);
                            outcome = "ok";
                        } catch (ErrnoException e) {
                            outcome = e.errnoName() + " " + e.getMessage();
                        } catch (RuntimeException e) {
                            outcome = "OTHER " + e + (e.getCause() == null ? "" : " caused by " + e.getCause());
                        }
                        DescriptorHog.release(hog);
                        if (made != null) {
                            made.close();
                        }
                        names.unregister("made/b");
                        System.out.println(verb + " " + free + " " + outcome);
                    }
                }
                for (int free = 0; free <= 3; free++) {
                    Registration registration = names.register("made/c", NameRecord.of("test", "c", ""));
                    List<Integer> hog = DescriptorHog.fill(free);
                    String closed = outcome(registration::close);
                    DescriptorHog.release(hog);
                    String again = outcome(() -> names.register("made/c", NameRecord.of("test", "c", "")).close());
                    System.out.println("close " + free + " " + closed + " reregister " + again);
                }
                Registration later = names.register("made/d", NameRecord.of("test", "d", ""));
                List<Integer> hog = DescriptorHog.fill(0);
                later.close();
                DescriptorHog.release(hog);
                boolean gone = false;
                for (int i = 0; i < 600 && !gone; i++) { // the remover's next try removes it
                    gone = names.lookup("made/d").isEmpty();
                    Thread.sleep(gone ? 0 : 50);
                }
                System.out.println("REMOVED LATER " + gone);
                names.unregister("held/p");
                System.out.println("LEFT " + names.list(""));
            }
        }

        private static String outcome(Runnable call) {
            try {
                call.run();
                return "ok";
            } catch (ErrnoException e) {
                return e.errnoName();
            } catch (RuntimeException e) {
                return "OTHER " + e;
            }
        }

        private static AutoCloseable run(NameService names, String verb) throws InterruptedException {
            switch (verb) {
                case "register" -> {
                    Registration registration = names.register("made/r", NameRecord.of("test", "r", ""));
                    return registration;
                }
                case "bind" -> names.bind("made/b", NameRecord.of("test", "b", ""));
                case "lookup" -> names.lookup("held/p");
                case "unregister" -> names.unregister("never/made");
                case "list" -> names.list("");
                case "awaitChange" -> names.awaitChange("quiet/", Duration.ofMillis(1));
                case "watch" -> {
                    return names.watch("quiet/", event -> { });
                }
                default -> throw new IllegalArgumentException(verb);
            }
            return null;
        }
    }

    @Test
    void everyVerbShortOfDescriptorsThrowsEmfileOrWorks() throws Exception {
        try (ChildJvm child = ChildJvm.builder(Child.class).quickStart()
                .wrapper("prlimit", "--nofile=256:256").hardTimeout(Duration.ofSeconds(120)).start()) {
            child.assertSuccess(Duration.ofSeconds(90));
            String output = child.output();
            assertFalse(output.contains(" OTHER "), output);
            Path names;
            try (LocalNameService service = LocalNameService.open(NamingConfiguration.LOCAL)) {
                names = service.directory();
            }
            for (String verb : List.of("register", "bind")) {
                assertTrue(output.contains(verb + " 0 EMFILE EMFILE (Too many open files) from open of "
                        + names + "/.tmp-"), output);
            }
            assertTrue(output.contains("list 0 EMFILE EMFILE (Too many open files) from open of " + names + "\n"), output);
            assertTrue(output.contains("list 1 ok"), output); // the listing takes one descriptor
            assertTrue(output.contains("watch 2 EMFILE EMFILE (Too many open files) from open of " + names + "\n"), output);
            for (String verb : VERBS) {
                assertTrue(output.contains(verb + " 4 ok"), output);
            }
            for (int free = 0; free <= 3; free++) {
                assertTrue(output.contains("close " + free + " ok reregister ok\n"), output);
            }
            assertTrue(output.contains("REMOVED LATER true"), output);
            assertTrue(output.contains("LEFT []"), output);
            try (Stream<Path> files = Files.list(names)) {
                assertEquals(List.of(), files.toList(), "no temporary file or name left");
            }
        }
    }
}
