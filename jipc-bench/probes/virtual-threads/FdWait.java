import io.jipc.pipe.*;
import io.jipc.net.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.file.*;
import java.time.Duration;
import java.util.*;

/**
 * args: pipe|unix|tcp|child N. N virtual threads each blocked reading its own pipe / stream socket, or
 * in waitFor() on its own child process ("sleep 600"; woken by killing it; keep N to a few hundred).
 */
public class FdWait {
    public static void main(String[] a) throws Exception {
        String mode = a[0]; int n = Integer.parseInt(a[1]);
        Harness h;
        Runnable cleanup = () -> { };
        if (mode.equals("child")) {
            ChildProcess[] c = new ChildProcess[n];
            for (int i = 0; i < n; i++) c[i] = Command.of("sleep", "600").start();
            h = new Harness(n) {
                void block(int i) throws Exception { c[i].waitFor(); }
                boolean blockTimed(int i, Duration d) throws Exception { return c[i].waitFor(d).isPresent(); }
                void wakeAll() throws Exception { for (int i = 0; i < n; i++) if (i % 10 > 1) c[i].kill(); }
            };
            cleanup = () -> { for (ChildProcess x : c) x.close(); };
        } else if (mode.equals("pipe")) {
            Pipe[] p = new Pipe[n];
            for (int i = 0; i < n; i++) p[i] = Pipe.open();
            h = new Harness(n) {
                void block(int i) throws Exception { int r = p[i].reader().read(ByteBuffer.allocate(8)); if (r != 1) throw new IllegalStateException("read " + r); }
                boolean blockTimed(int i, Duration d) throws Exception { return p[i].reader().read(ByteBuffer.allocate(8), d) > 0; }
                void wakeAll() throws Exception { for (int i = 0; i < n; i++) if (i % 10 > 1) p[i].writer().write(new byte[]{1}); }
            };
        } else {
            SocketAddress addr;
            Path sock = null;
            if (mode.equals("unix")) { sock = Path.of("/tmp/explore-vthreads-" + ProcessHandle.current().pid() + ".sock"); addr = UnixDomainSocketAddress.of(sock); }
            else addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            StreamServer server = StreamServer.bind(addr, ServerOptions.defaults().withMaxConnections(n + 10));
            SocketAddress bound = server.localAddress();
            StreamConnection[] cl = new StreamConnection[n], sv = new StreamConnection[n];
            for (int i = 0; i < n; i++) { cl[i] = StreamConnection.connect(bound); sv[i] = server.accept(); }
            h = new Harness(n) {
                void block(int i) throws Exception { cl[i].take(); }
                boolean blockTimed(int i, Duration d) throws Exception { return cl[i].poll(d) != null; }
                void wakeAll() throws Exception { for (int i = 0; i < n; i++) if (i % 10 > 1) sv[i].put(new byte[]{1}); }
            };
            if (sock != null) sock.toFile().deleteOnExit();
        }
        h.run(mode + " N=" + n);
        cleanup.run();
        System.exit(0);
    }
}
