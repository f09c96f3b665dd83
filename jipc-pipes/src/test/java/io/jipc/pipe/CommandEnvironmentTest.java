package io.jipc.pipe;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Command#environment()} refuses, when it is put, what cannot be passed to the child as a
 * {@code NAME=value} string, as {@link ProcessBuilder#environment()} does; what it accepts reaches a
 * real child unchanged.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CommandEnvironmentTest {

    @Test
    void nullsAndNamesThatAreNotNamesAreRefusedWithNothingChanged() throws Exception {
        Command command = Command.of("sh", "-c", "printf '%s|%s|%s' \"$JIPC_A\" \"$JIPC_B\" \"${JIPC_GONE-unset}\"")
                .stdout(Redirect.PIPE);
        Map<String, String> env = command.environment();
        env.put("JIPC_A", "a=1");
        env.put("JIPC_B", "b");
        env.put("JIPC_GONE", "x");
        Map<String, String> before = Map.copyOf(env);

        assertThrows(NullPointerException.class, () -> env.put("JIPC_NULL", null));
        assertThrows(NullPointerException.class, () -> env.put(null, "x"));
        assertThrows(NullPointerException.class, () -> env.putAll(java.util.Collections.singletonMap("JIPC_NULL", null)));
        assertThrows(IllegalArgumentException.class, () -> env.put("JIPC_A=B", "C"));
        assertThrows(IllegalArgumentException.class, () -> env.put("", "C"));
        assertThrows(IllegalArgumentException.class, () -> env.put("JIPC_\u0000X", "C"));
        assertThrows(IllegalArgumentException.class, () -> env.put("JIPC_NUL", "c\u0000d"));
        assertThrows(IllegalArgumentException.class, () -> env.merge("JIPC_B", "\u0000", String::concat));
        assertThrows(IllegalArgumentException.class, () -> env.putIfAbsent("X=Y", "z"));
        assertThrows(NullPointerException.class, () -> env.entrySet().iterator().next().setValue(null));
        assertThrows(IllegalArgumentException.class, () -> env.replaceAll((k, v) -> v + "\u0000"));
        assertEquals(before, env, "nothing changed");
        assertFalse(env.containsKey("JIPC_A=B"));

        env.merge("JIPC_B", "+", String::concat); // what passes the checks still goes through every path
        env.entrySet().removeIf(e -> e.getKey().equals("JIPC_GONE"));
        try (ChildProcess child = command.start()) {
            assertEquals("a=1|b+|unset", new String(child.stdout().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(ExitStatus.exited(0), child.waitFor());
        }
    }
}
