package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.CProgram;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heterogeneity (lecture 004's middleware): a C program, compiled with gcc at test time from nothing
 * but docs/remote.md and docs/sockets.md, speaks the gateway's wire protocol over TCP loopback. It
 * receives (and acknowledges) a message a Java process put into one mailbox, sends its answer into
 * another, where a Java process takes it, and is told in the protocol's own terms that a third
 * mailbox does not exist. Integers go big-endian ({@code htobe64}); the frames are jipc-net's.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CClientTest {
    private static final String PROGRAM = """
            #include <arpa/inet.h>
            #include <endian.h>
            #include <netinet/in.h>
            #include <stdint.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <unistd.h>

            static void die(const char *what) { fprintf(stderr, "C: %s\\n", what); exit(2); }

            static void write_all(int fd, const void *p, size_t n) {
                for (const char *c = p; n > 0; ) {
                    ssize_t w = write(fd, c, n);
                    if (w <= 0) die("write");
                    c += w; n -= (size_t) w;
                }
            }

            static void read_all(int fd, void *p, size_t n) {
                for (char *c = p; n > 0; ) {
                    ssize_t r = read(fd, c, n);
                    if (r <= 0) die("read: connection ended");
                    c += r; n -= (size_t) r;
                }
            }

            /* jipc-net framing: an 8-byte big-endian length, then the payload */
            static void send_frame(int fd, const uint8_t *payload, size_t len) {
                uint64_t be = htobe64(len);
                write_all(fd, &be, 8);
                write_all(fd, payload, len);
            }

            /* the next reply, Heartbeats (0x85) skipped; its length */
            static size_t reply(int fd, uint8_t *buf, size_t cap) {
                for (;;) {
                    uint64_t be;
                    read_all(fd, &be, 8);
                    uint64_t n = be64toh(be);
                    if (n == 0 || n > cap) die("bad frame length");
                    read_all(fd, buf, n);
                    if (buf[0] != 0x85) return n;
                }
            }

            static void put_i64(uint8_t *p, int64_t v) { uint64_t be = htobe64((uint64_t) v); memcpy(p, &be, 8); }
            static int64_t get_i64(const uint8_t *p) { uint64_t be; memcpy(&be, p, 8); return (int64_t) be64toh(be); }

            /* connects and sends Open(version 1, name); returns the socket, the reply in buf */
            static int open_mailbox(int port, const char *name, uint8_t *buf, size_t cap, size_t *n) {
                int fd = socket(AF_INET, SOCK_STREAM, 0);
                struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(port) };
                at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (fd < 0 || connect(fd, (struct sockaddr *) &at, sizeof at) != 0) die("connect");
                uint8_t open[2 + 200] = { 0x01, 1 };
                size_t len = strlen(name);
                memcpy(open + 2, name, len);
                send_frame(fd, open, 2 + len);
                *n = reply(fd, buf, cap);
                return fd;
            }

            /* usage: client PORT IN_MAILBOX OUT_MAILBOX MISSING_MAILBOX */
            int main(int argc, char **argv) {
                int port = atoi(argv[1]);
                static uint8_t buf[1 << 16];
                size_t n;

                int in = open_mailbox(port, argv[2], buf, sizeof buf, &n);
                if (buf[0] != 0x81 || n != 6) die("no Opened for the in-mailbox");
                uint32_t max;
                memcpy(&max, buf + 1, 4);
                printf("opened %s: messages up to %u bytes\\n", argv[2], ntohl(max));
                uint8_t receive[10] = { 0x03, 2 };            /* Receive, mode 2: until done; timeout 0 */
                put_i64(receive + 2, 0);
                send_frame(in, receive, sizeof receive);
                n = reply(in, buf, sizeof buf);
                if (buf[0] != 0x83 || n < 9) die("no Delivery");
                int64_t id = get_i64(buf + 1);
                char text[1 << 16];
                memcpy(text, buf + 9, n - 9);
                text[n - 9] = 0;
                printf("received '%s'\\n", text);
                uint8_t ack[9] = { 0x04 };                    /* Ack of that delivery */
                put_i64(ack + 1, id);
                send_frame(in, ack, sizeof ack);
                close(in);

                int out = open_mailbox(port, argv[3], buf, sizeof buf, &n);
                if (buf[0] != 0x81) die("no Opened for the out-mailbox");
                uint8_t send[11 + 200 + (1 << 16)] = { 0x02, 2, 0 }; /* Send, until done, priority 0 */
                put_i64(send + 3, 0);
                int len = snprintf((char *) send + 11, sizeof send - 11, "C read %zu bytes: %s", strlen(text), text);
                send_frame(out, send, 11 + (size_t) len);
                n = reply(out, buf, sizeof buf);
                if (buf[0] != 0x82 || n != 2 || buf[1] != 1) die("no Sent(1)");
                printf("sent %d bytes\\n", len);
                close(out);

                int missing = open_mailbox(port, argv[4], buf, sizeof buf, &n);
                if (buf[0] != 0x86) die("no Error for a missing mailbox");
                printf("error %d: %.*s\\n", buf[1], (int) (n - 2), (char *) buf + 2);
                close(missing);
                return 0;
            }
            """;

    @TempDir
    static Path dir;
    private static Path client;

    @BeforeAll
    static void compile() throws Exception {
        client = CProgram.compile(dir, "client", PROGRAM, List.of("-Werror"), List.of());
    }

    @Test
    void aCProgramReceivesAndSendsThroughTheGatewayByTheDocumentedBytes() throws Exception {
        try (Mailbox toC = Mailbox.create("to-c", MailboxOptions.builder().maxMessageSize(4096).build());
             Mailbox fromC = Mailbox.create("from-c", MailboxOptions.defaults());
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .export("to-c", "from-c").start()) {
            toC.put("hello from Java, é".getBytes(StandardCharsets.UTF_8));
            Process c = new ProcessBuilder(ChildCommands.dyingWithThisJvm(client.toString(),
                    Integer.toString(gateway.port()), "to-c", "from-c", "nowhere")).redirectErrorStream(true).start();
            assertTrue(c.waitFor(60, TimeUnit.SECONDS), "the C client finished");
            String output = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, c.exitValue(), output);

            byte[] answer = fromC.poll(Duration.ofSeconds(30));
            assertArrayEquals("C read 19 bytes: hello from Java, é".getBytes(StandardCharsets.UTF_8), answer);
            assertEquals("""
                    opened to-c: messages up to 4096 bytes
                    received 'hello from Java, é'
                    sent 36 bytes
                    """, output.substring(0, output.indexOf("error")));
            assertTrue(output.contains("error 0: "), output); // NO_SUCH_MAILBOX, with the gateway's text
            assertNull(toC.poll(), "acknowledged: not delivered again");
            assertEquals(1, toC.receivedCount());
        } finally {
            Mailbox.destroy("to-c");
            Mailbox.destroy("from-c");
        }
    }
}
