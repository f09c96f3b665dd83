package io.jipc.rpc;

import io.jipc.net.ConnectionOptions;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platform-neutral marshalling, shown by a program that is not Java: a C client, compiled with gcc
 * at test time from the format in {@link RpcFrame}'s and {@link Marshaller}'s javadoc (docs/rpc.md),
 * calls a Java {@link RpcServer} over TCP. It deposits a {@code Money} record (class name, two
 * components, one an enum), reads the balance back, has a byte array reversed, and decodes the
 * FAILURE of a method that throws; then says BYE. Everything big-endian, strings UTF-8.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CRpcClientTest {
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

            /* ---- output: a frame being built */
            static uint8_t out[4096];
            static size_t used;
            static void u8(uint8_t v) { out[used++] = v; }
            static void u32(uint32_t v) { v = htonl(v); memcpy(out + used, &v, 4); used += 4; }
            static void i64(int64_t v) { uint64_t be = htobe64((uint64_t) v); memcpy(out + used, &be, 8); used += 8; }
            static void text(const char *s) { size_t n = strlen(s); u32((uint32_t) n); memcpy(out + used, s, n); used += n; }
            static void header(uint8_t kind) { used = 0; u32(0x4A525043); u8(1); u8(1); u8(kind); } /* JRPC 1.1 */

            /* ---- input: the frame read, and a cursor */
            static uint8_t in[1 << 16];
            static size_t have, at;
            static uint8_t r8(void) { if (at + 1 > have) die("short frame"); return in[at++]; }
            static uint32_t r32(void) { uint32_t v; if (at + 4 > have) die("short frame"); memcpy(&v, in + at, 4); at += 4; return ntohl(v); }
            static int64_t r64(void) { uint64_t v; if (at + 8 > have) die("short frame"); memcpy(&v, in + at, 8); at += 8; return (int64_t) be64toh(v); }
            static void rtext(char *into, size_t cap) {
                uint32_t n = r32();
                if (n >= cap || at + n > have) die("bad length");
                memcpy(into, in + at, n); into[n] = 0; at += n;
            }

            static int fd;
            static void write_all(const void *p, size_t n) {
                for (const char *c = p; n > 0; ) { ssize_t w = write(fd, c, n); if (w <= 0) die("write"); c += w; n -= (size_t) w; }
            }
            static void read_all(void *p, size_t n) {
                for (char *c = p; n > 0; ) { ssize_t r = read(fd, c, n); if (r <= 0) die("read"); c += r; n -= (size_t) r; }
            }
            /* jipc-net framing around each RPC frame: an 8-byte big-endian length */
            static void send_frame(void) { uint64_t be = htobe64(used); write_all(&be, 8); write_all(out, used); }
            static uint8_t receive_frame(void) {
                uint64_t be; read_all(&be, 8);
                have = be64toh(be);
                if (have > sizeof in) die("frame too long");
                read_all(in, have); at = 0;
                if (r32() != 0x4A525043 || r8() != 1) die("not a JRPC 1.x frame");
                r8();                                   /* minor: later ones only append */
                return r8();                            /* kind */
            }

            static int64_t client, next_call = 1;
            /* CALL: client id, call id, timeout 0, method key; the arguments are appended by the caller */
            static size_t call(const char *key, uint32_t count) {
                header(4); i64(client); i64(next_call++); i64(0); text(key);
                size_t length_at = used; u32(0);        /* the arguments' byte length, patched in reply() */
                u32(count);
                return length_at;
            }
            /* sends the CALL, reads RESULT (5) or FAILURE (6); the value's tag for a RESULT */
            static uint8_t reply(size_t length_at, char *failure, size_t cap) {
                uint32_t n = htonl((uint32_t) (used - length_at - 4)); memcpy(out + length_at, &n, 4);
                send_frame();
                uint8_t kind = receive_frame();
                r64();                                  /* the call id */
                if (kind == 6) {
                    uint8_t code = r8();
                    char cls[256], msg[256] = "";
                    rtext(cls, sizeof cls);
                    if (r8()) rtext(msg, sizeof msg);
                    snprintf(failure, cap, "code %d, %s: %s", code, cls, msg);
                    return 0;
                }
                if (kind != 5) die("neither RESULT nor FAILURE");
                r32();                                  /* the value's byte length */
                return r8();
            }

            int main(int argc, char **argv) {
                fd = socket(AF_INET, SOCK_STREAM, 0);
                struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
                addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) die("connect");

                header(1); text("io.jipc.rpc.Bank"); text(""); i64(0); u32(1 << 16);   /* HELLO */
                send_frame();
                if (receive_frame() != 2) die("no WELCOME");
                client = r64(); r64();
                printf("welcome: client %lld, calls up to %u bytes\\n", (long long) client, r32());

                char failure[600];
                size_t a = call("deposit(java.lang.String,io.jipc.rpc.Bank$Money)", 2);
                u8(10); text("zoë");                                          /* String */
                u8(13); text("io.jipc.rpc.Bank$Money"); u32(2);                /* record Money(long, Currency) */
                u8(7); i64(1234);
                u8(12); text("io.jipc.rpc.Bank$Currency"); text("EUR");       /* enum */
                if (reply(a, failure, sizeof failure) != 0) die("deposit returned a value");
                printf("deposit: void\\n");

                a = call("balance(java.lang.String)", 1);
                u8(10); text("zoë");
                if (reply(a, failure, sizeof failure) != 7) die("balance: not a long");
                printf("balance: %lld\\n", (long long) r64());

                a = call("reverse([B)", 1);
                u8(11); u32(3); u8(1); u8(2); u8(3);                           /* byte[] */
                if (reply(a, failure, sizeof failure) != 11) die("reverse: not bytes");
                uint32_t n = r32();
                printf("reverse:");
                for (uint32_t i = 0; i < n; i++) printf(" %d", r8());
                printf("\\n");

                a = call("fail(java.lang.String)", 1);
                u8(10); text("out of paper");
                if (reply(a, failure, sizeof failure) != 0) die("fail returned");
                printf("fail: %s\\n", failure);

                header(8); i64(client); send_frame();                          /* BYE */
                close(fd);
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
    void aCClientCallsAJavaServerRecordsEnumsBytesAndFailuresIncluded() throws Exception {
        BankService bank = new BankService();
        try (RpcServer<Bank> server = RpcServer.builder("c-bank", Bank.class, bank)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
            int port = ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort();
            Process c = new ProcessBuilder(ChildCommands.dyingWithThisJvm(client.toString(), Integer.toString(port)))
                    .redirectErrorStream(true).start();
            String output = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            c.waitFor(60, TimeUnit.SECONDS);
            assertEquals(0, c.exitValue(), output);
            List<String> lines = output.lines().toList();
            // the client id is random (a server's since 2026-12-07): any non-zero 64-bit number
            assertTrue(lines.get(0).matches("welcome: client -?[1-9][0-9]*, calls up to "
                    + ConnectionOptions.defaults().maxFrameSize() + " bytes"), lines.get(0));
            assertEquals(List.of("deposit: void", "balance: 1234", "reverse: 3 2 1",
                    "fail: code 0, java.lang.IllegalStateException: out of paper"), lines.subList(1, lines.size()));
            // the record arrived as Java built it, enum and all
            assertEquals(List.of(new Bank.Money(1234, Bank.Currency.EUR)), bank.statement("zoë").entries());
        }
    }
}
