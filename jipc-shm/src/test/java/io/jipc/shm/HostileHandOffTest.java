package io.jipc.shm;

import io.jipc.JipcException;
import io.jipc.testkit.CProgram;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile "parent" (a C program of the same user listening at the address a child was given)
 * that sends more descriptors than a hand-off does: the receive refuses the message and closes
 * every descriptor the kernel installed with it. Until 2026-12-06 they stayed open in the child.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileHandOffTest {
    /** Listens at argv[1], prints LISTENING, accepts one connection, sends one byte with argv[2] descriptors of /dev/null. */
    private static final String PROGRAM = """
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <unistd.h>

            int main(int argc, char **argv) {
                int n = atoi(argv[2]);
                int s = socket(AF_UNIX, SOCK_STREAM, 0);
                struct sockaddr_un a = { .sun_family = AF_UNIX };
                strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
                if (bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 1) != 0) { perror("bind"); return 1; }
                printf("LISTENING\\n");
                fflush(stdout);
                int c = accept(s, NULL, NULL);
                if (c < 0) { perror("accept"); return 1; }
                int fds[8];
                for (int i = 0; i < n; i++) fds[i] = open("/dev/null", O_RDONLY);
                char control[CMSG_SPACE(sizeof fds)];
                memset(control, 0, sizeof control);
                char byte = 'R';
                struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
                struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                                    .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
                struct cmsghdr *h = CMSG_FIRSTHDR(&m);
                h->cmsg_level = SOL_SOCKET;
                h->cmsg_type = SCM_RIGHTS;
                h->cmsg_len = CMSG_LEN(n * sizeof(int));
                memcpy(CMSG_DATA(h), fds, n * sizeof(int));
                if (sendmsg(c, &m, 0) != 1) { perror("sendmsg"); return 1; }
                char end;
                read(c, &end, 1); /* until the receiver closes */
                unlink(argv[1]);
                printf("SENT %d\\n", n);
                return 0;
            }
            """;

    @TempDir
    static Path dir;
    private static Path hostile;

    @BeforeAll
    static void compile() throws Exception {
        hostile = CProgram.compile(dir, "hostile", PROGRAM, List.of(), List.of());
    }

    /** The descriptors of this process open on {@code /dev/null} (what the hostile parent sends). */
    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("/dev/null");
                } catch (IOException gone) { // the listing's own descriptor, closed by now
                    return false;
                }
            }).count();
        }
    }

    /** 2 descriptors fit the receiver's control buffer (no MSG_CTRUNC); of 3 the kernel installs 2 and cuts the rest. */
    @ParameterizedTest(name = "{0} descriptors")
    @ValueSource(ints = {2, 3})
    void aMessageWithMoreThanOneDescriptorIsRefusedAndLeavesNoneOpen(int count) throws Exception {
        Path address = dir.resolve("hostile-" + count + ".sock");
        Process parent = new ProcessBuilder(hostile.toString(), address.toString(), Integer.toString(count))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("LISTENING", out.readLine());
            long before = openDescriptors();
            JipcException e = assertThrows(JipcException.class,
                    () -> AnonymousRegion.receive(address.toString(), Duration.ofSeconds(60)).close());
            assertTrue(e.getMessage().contains(address.toString()), e.getMessage());
            assertEquals(before, openDescriptors(), "descriptors received with the refused message are closed");
            assertEquals("SENT " + count, out.readLine());
            assertEquals(0, parent.waitFor());
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }
}
