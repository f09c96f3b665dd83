package io.jipc.shm;

import io.jipc.testkit.CProgram;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A C program (compiled with gcc at test time) and Java share regions both ways: it maps a
 * jipc-named region by path with {@code open}+{@code mmap}, and creates one with
 * {@code shm_open("/name")} that Java opens by the same POSIX name. Both sides increment one
 * counter with atomic instructions.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CInteropTest {
    private static final String PROGRAM = """
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/mman.h>
            #include <sys/stat.h>
            #include <unistd.h>

            /* usage: peer open <path> <increments> | peer create </name> <size> <increments> */
            int main(int argc, char **argv) {
                int fd;
                long size;
                if (strcmp(argv[1], "open") == 0) {
                    fd = open(argv[2], O_RDWR);                        /* a jipc region: its path */
                    struct stat st;
                    if (fd < 0 || fstat(fd, &st) != 0) { perror("open"); return 2; }
                    size = st.st_size;
                } else {
                    fd = shm_open(argv[2], O_RDWR | O_CREAT | O_EXCL, 0600); /* a POSIX name */
                    size = atol(argv[3]);
                    if (fd < 0 || ftruncate(fd, size) != 0) { perror("shm_open"); return 2; }
                }
                long increments = atol(argv[argc - 1]);
                char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                if (p == MAP_FAILED) { perror("mmap"); return 2; }
                close(fd);
                long *counter = (long *) (p + 64);
                for (long i = 0; i < increments; i++) {
                    __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
                }
                printf("C saw '%s' and %ld bytes\\n", p + 128, size);
                strcpy(p + 256, "hello from C");
                __atomic_store_n((int *) (p + 8), 1, __ATOMIC_RELEASE);     /* done flag */
                return 0;
            }
            """;

    @TempDir
    static Path dir;
    private static Path peer;
    private final String posixName = "/jipc-c-" + UUID.randomUUID();

    @BeforeAll
    static void compile() throws Exception {
        peer = CProgram.compile(dir, "peer", PROGRAM, List.of(), List.of("-lrt"));
    }

    @AfterEach
    void removePosixRegion() {
        SharedRegion.unlink(posixName);
    }

    @Test
    void aCProgramMapsAJipcRegionByItsPath() throws Exception {
        int increments = 100_000;
        try (SharedRegion region = SharedRegion.create("for-c", 8192)) {
            region.setBytes(128, "hello from Java\0".getBytes(StandardCharsets.US_ASCII));
            Process c = new ProcessBuilder(ChildCommands.dyingWithThisJvm(peer.toString(), "open",
                    region.path().toString(), Integer.toString(increments))).redirectErrorStream(true).start();
            for (int i = 0; i < increments; i++) {
                region.getAndAddLong(64, 1);
            }
            String output = finish(c);
            assertEquals("C saw 'hello from Java' and 8192 bytes", output.strip());
            assertEquals(1, region.getIntAcquire(8));
            assertEquals(2L * increments, region.getLongVolatile(64));
            assertEquals("hello from C", string(region, 256));
        } finally {
            SharedRegion.unlink("for-c");
        }
    }

    @Test
    void javaOpensARegionACProgramCreatedWithShmOpen() throws Exception {
        Process c = new ProcessBuilder(ChildCommands.dyingWithThisJvm(peer.toString(), "create", posixName, "4096",
                "1000")).redirectErrorStream(true).start();
        String output = finish(c);
        assertEquals("C saw '' and 4096 bytes", output.strip());
        try (SharedRegion region = SharedRegion.open(posixName)) {
            assertEquals(Path.of("/dev/shm" + posixName), region.path());
            assertEquals(4096, region.size());
            assertEquals(1, region.getIntAcquire(8));
            assertEquals(1000, region.getLongVolatile(64));
            assertEquals("hello from C", string(region, 256));
        }
    }

    private static String finish(Process c) throws Exception {
        String output = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!c.waitFor(60, TimeUnit.SECONDS)) {
            c.destroyForcibly();
            throw new AssertionError("the C peer hung:\n" + output);
        }
        assertEquals(0, c.exitValue(), output);
        return output;
    }

    private static String string(Region region, long offset) {
        return region.segment().getString(offset, StandardCharsets.US_ASCII);
    }
}
