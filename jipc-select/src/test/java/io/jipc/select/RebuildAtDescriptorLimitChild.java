package io.jipc.select;

import io.jipc.pipe.Pipe;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * For {@link SelectorRebuildAtDescriptorLimitTest}, run under a low {@code ulimit -n}: a selector with
 * a stale epoll entry (a registered pipe reader closed while a duplicate keeps its ready file) and a
 * ready key; then every descriptor of the process is taken, so the selector cannot make a new epoll set.
 * Prints {@code SELECT <i> <channels>} or {@code SELECT <i> THREW <exception>} for three selects at the
 * limit, then {@code FREED <channels>} and {@code REBUILDS <n>} after the descriptors are given back.
 */
public final class RebuildAtDescriptorLimitChild {
    private RebuildAtDescriptorLimitChild() {
    }

    public static void main(String[] args) throws Exception {
        try (Selector selector = Selector.open(); Pipe stale = Pipe.open(); Pipe ready = Pipe.open()) {
            int duplicate = Pipes.duplicate(stale.reader().readinessSource().fd(), 0, "duplicate");
            selector.register(stale.reader(), Selector.OP_READ);
            selector.register(ready.reader(), Selector.OP_READ, "ready");
            stale.writer().write(new byte[] {1});
            stale.reader().close(); // not cancelled: the duplicate keeps the ready file, and its entry
            ready.writer().write(new byte[] {2});
            String warm = names(selector.select(Duration.ofSeconds(1))); // loads what the selects below use
            List<Integer> taken = new ArrayList<>();
            try {
                while (true) {
                    taken.add(Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0));
                }
            } catch (RuntimeException full) {
                // EMFILE: the process has no descriptor left
            }
            StringBuilder out = new StringBuilder("WARM " + warm + "\n");
            for (int i = 0; i < 3; i++) {
                try {
                    out.append("SELECT ").append(i).append(' ').append(names(selector.select(Duration.ofSeconds(1))));
                } catch (RuntimeException e) {
                    out.append("SELECT ").append(i).append(" THREW ").append(e);
                }
                out.append('\n');
            }
            for (int fd : taken) {
                Libc.close(fd);
            }
            System.out.print(out);
            System.out.println("FREED " + names(selector.select(Duration.ofSeconds(1))));
            System.out.println("REBUILDS " + selector.rebuilds());
            Libc.close(duplicate);
        }
    }

    private static String names(List<SelectionKey> keys) {
        return keys.stream().map(k -> String.valueOf(k.attachment())).toList().toString();
    }
}
