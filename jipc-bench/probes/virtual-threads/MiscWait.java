import io.jipc.filelock.*;
import io.jipc.mq.*;
import io.jipc.shm.*;
import java.nio.file.*;
import java.time.Duration;

/**
 * args: lock|mq|mqown|cbuf N. N virtual threads blocked in: file lock (one file, held), take of one POSIX
 * mq handle, take of an own handle of one POSIX mq (N handles), take of own CircularBuffer.
 */
public class MiscWait {
    public static void main(String[] a) throws Exception {
        String mode = a[0]; int n = Integer.parseInt(a[1]);
        long pid = ProcessHandle.current().pid();
        Harness h;
        Runnable cleanup;
        if (mode.equals("lock")) {
            Path f = Path.of("/tmp/explore-vthreads-lock-" + pid);
            LockableFile holder = LockableFile.openOrCreate(f);
            FileLock held = holder.lock(LockMode.EXCLUSIVE);
            LockableFile[] files = new LockableFile[n];
            for (int i = 0; i < n; i++) files[i] = LockableFile.open(f);
            h = new Harness(n) {
                void block(int i) throws Exception { files[i].lock(LockMode.SHARED).close(); }
                boolean blockTimed(int i, Duration d) throws Exception { var l = files[i].tryLock(LockMode.SHARED, d); if (l == null) return false; l.close(); return true; }
                void wakeAll() throws Exception { held.close(); }
            };
            cleanup = () -> { try { Files.deleteIfExists(f); } catch (Exception e) {} };
        } else if (mode.equals("mq")) {
            String name = "/explore-vthreads-" + pid;
            PosixMessageQueue q = PosixMessageQueue.create(name, MqAttributes.of(10, 64));
            PosixMessageQueue s = PosixMessageQueue.open(name);
            h = new Harness(n) {
                void block(int i) throws Exception { q.take(); }
                boolean blockTimed(int i, Duration d) throws Exception { return q.poll(d) != null; }
                void wakeAll() throws Exception { for (int i = 0; i < wakeCount(); i++) s.put(new byte[]{1}); }
            };
            cleanup = () -> PosixMessageQueue.unlink(name);
        } else if (mode.equals("mqown")) {
            String name = "/explore-vthreads-" + pid;
            PosixMessageQueue.create(name, MqAttributes.of(10, 64)).close();
            PosixMessageQueue s = PosixMessageQueue.open(name, MqAccess.SEND);
            PosixMessageQueue[] q = new PosixMessageQueue[n];
            for (int i = 0; i < n; i++) q[i] = PosixMessageQueue.open(name, MqAccess.RECEIVE);
            h = new Harness(n) {
                void block(int i) throws Exception { q[i].take(); }
                boolean blockTimed(int i, Duration d) throws Exception { return q[i].poll(d) != null; }
                void wakeAll() throws Exception { for (int i = 0; i < wakeCount(); i++) s.put(new byte[]{1}); }
            };
            cleanup = () -> { for (PosixMessageQueue x : q) x.close(); s.close(); PosixMessageQueue.unlink(name); };
        } else {
            CircularBuffer[] b = new CircularBuffer[n];
            for (int i = 0; i < n; i++) b[i] = CircularBuffer.create("cb" + pid + "-" + i, 8, 4);
            h = new Harness(n) {
                void block(int i) throws Exception { b[i].take(); }
                boolean blockTimed(int i, Duration d) throws Exception { return b[i].poll(d) != null; }
                void wakeAll() throws Exception { for (int i = 0; i < n; i++) if (i % 10 > 1) b[i].put(new byte[8]); }
            };
            cleanup = () -> { for (int i = 0; i < n; i++) CircularBuffer.destroy("cb" + pid + "-" + i); };
        }
        try { h.run(mode + " N=" + n); } finally { cleanup.run(); }
        System.exit(0);
    }
}
