package io.jipc.group;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A null argument to a public entry point of jipc-group is a {@link NullPointerException} at the
 * call whose message is the parameter's name (docs/architecture.md, Argument errors): a null group
 * name too, not {@code IllegalArgumentException("invalid group name 'null'")}. (A collective's
 * null value says which collective too: "GATHER: value is null".)
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GroupNullArgumentsTest {
    /** A call given the only member of a fresh group of one. */
    interface Call {
        void on(ProcessGroup group) throws Throwable;
    }

    static Stream<Arguments> calls() {
        return Stream.of(
                call("join(null, 2)", "name", g -> ProcessGroup.join(null, 2)),
                call("join(null, options)", "name", g -> ProcessGroup.join(null, GroupOptions.of(2))),
                call("join(name, null)", "options", g -> ProcessGroup.join("other", (GroupOptions) null)),
                call("membersOf(null)", "name", g -> ProcessGroup.membersOf(null)),
                call("sizeOf(null)", "name", g -> ProcessGroup.sizeOf(null)),
                call("exists(null)", "name", g -> ProcessGroup.exists(null)),
                call("send(0, null)", "message", g -> g.send(0, null)),
                call("offer(0, null)", "message", g -> g.offer(0, null)),
                call("broadcast(null)", "message", g -> g.broadcast(null)),
                call("poll(null)", "timeout", g -> g.poll(null)),
                call("awaitFull(null)", "timeout", g -> g.awaitFull(null)),
                call("broadcastFrom(0, null)", "BROADCAST_FROM: value is null", g -> g.broadcastFrom(0, null)),
                call("gather(0, null)", "GATHER: value is null", g -> g.gather(0, null)),
                call("allGather(null)", "ALL_GATHER: value is null", g -> g.allGather(null)),
                call("reduce(0, null, combine)", "REDUCE: value is null", g -> g.reduce(0, null, (a, b) -> a)),
                call("reduce(0, value, null)", "combine", g -> g.reduce(0, new byte[1], null)),
                call("allReduce(null, combine)", "ALL_REDUCE: value is null", g -> g.allReduce(null, (a, b) -> a)),
                call("allReduce(value, null)", "combine", g -> g.allReduce(new byte[1], null)),
                call("allReduce(1L, null)", "combine", g -> g.allReduce(1L, null)));
    }

    private static Arguments call(String what, String parameter, Call call) {
        return Arguments.of(what, parameter, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void aNullArgumentIsANullPointerExceptionNamingTheParameter(String what, String parameter, Call call) {
        try (ProcessGroup group = ProcessGroup.join("nulls", GroupOptions.of(1).withCollectiveTimeout(Duration.ofSeconds(30)))) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> call.on(group), what);
            assertEquals(parameter, e.getMessage(), what);
        }
    }
}
