package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A null argument to a public entry point of the mailbox API is a {@link NullPointerException} at
 * the call whose message is the parameter's name (the convention of every jipc module), never a
 * deeper NPE or an {@code IllegalArgumentException("invalid name 'null'")}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MailboxNullArgumentsTest {
    /** A call on a fresh mailbox "nulls" (maximum message size 64). */
    interface Call {
        void on(Mailbox mailbox) throws Throwable;
    }

    static Stream<Arguments> calls() {
        MailboxOptions defaults = MailboxOptions.defaults();
        return Stream.of(
                call("create(null)", "name", m -> Mailbox.create(null)),
                call("create(name, null)", "options", m -> Mailbox.create("other", null)),
                call("open(null)", "name", m -> Mailbox.open((String) null)),
                call("open(null, 0600)", "name", m -> Mailbox.open(null, 0600)),
                call("openOrCreate(null, options)", "name", m -> Mailbox.openOrCreate(null, defaults)),
                call("openOrCreate(name, null)", "options", m -> Mailbox.openOrCreate("nulls", null)),
                call("exists(null)", "name", m -> Mailbox.exists(null)),
                call("destroy(null)", "name", m -> Mailbox.destroy((String) null)),
                call("createDurable(null, options)", "file", m -> Mailbox.createDurable(null, defaults)),
                call("createDurable(file, null)", "options", m -> Mailbox.createDurable(Path.of("/tmp/never"), null)),
                call("openDurable(null)", "file", m -> Mailbox.openDurable(null)),
                call("offer(byte[] null)", "message", m -> m.offer((byte[]) null)),
                call("offer(ByteBuffer null)", "message", m -> m.offer((ByteBuffer) null)),
                call("offer(MemorySegment null)", "message", m -> m.offer((MemorySegment) null)),
                call("put(byte[] null)", "message", m -> m.put((byte[]) null)),
                call("put(ByteBuffer null)", "message", m -> m.put((ByteBuffer) null)),
                call("put(MemorySegment null)", "message", m -> m.put((MemorySegment) null)),
                call("offer(message, null)", "timeout", m -> m.offer(new byte[1], (Duration) null)),
                call("poll(null timeout)", "timeout", m -> m.poll((Duration) null)),
                call("poll(null destination)", "destination", m -> m.poll((ByteBuffer) null)),
                call("drain(null)", "handler", m -> m.drain(null)),
                call("builder().deadSenderTimeout(null)", "timeout", m -> MailboxOptions.builder().deadSenderTimeout(null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call)
            throws Exception {
        try (Mailbox mailbox = Mailbox.create("nulls", MailboxOptions.builder().maxMessageSize(64).build())) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(mailbox), what);
            assertEquals(parameter, e.getMessage(), what);
        } finally {
            Mailbox.destroy("nulls");
        }
    }

    @Test
    void anUnboundedMailboxNamesANullMessageToo() {
        try (UnboundedMailbox mailbox = UnboundedMailbox.create("unbounded-nulls")) {
            for (Executable send : new Executable[] {
                    () -> mailbox.offer((byte[]) null), () -> mailbox.offer(null, 0, 1),
                    () -> mailbox.offer((ByteBuffer) null), () -> mailbox.offer((MemorySegment) null),
                    () -> mailbox.put((byte[]) null), () -> mailbox.put((ByteBuffer) null),
                    () -> mailbox.put((MemorySegment) null)}) {
                assertEquals("message", assertThrows(NullPointerException.class, send).getMessage());
            }
        } finally {
            UnboundedMailbox.destroy("unbounded-nulls");
        }
    }

    /** A durable mailbox's name is its file's name: a path without one (the root) is refused by name. */
    @Test
    void aDurablePathWithoutAFileNameIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mailbox.createDurable(Path.of("/"), MailboxOptions.defaults()));
        assertTrue(e.getMessage().contains("'/'"), e.getMessage());
    }
}
