import io.jipc.sync.*;
import java.time.Duration;

/** args: mutex|sem N. N virtual threads blocked on one ProcessMutex (held by main) or a 0-permit ProcessSemaphore. */
public class SyncWait {
    public static void main(String[] a) throws Exception {
        String mode = a[0];
        int n = Integer.parseInt(a[1]);
        String name = "sync" + ProcessHandle.current().pid();
        Harness h;
        if (mode.equals("mutex")) {
            ProcessMutex m = ProcessMutex.create(name);
            m.lock();
            h = new Harness(n) {
                void block(int i) throws Exception { m.lock(); m.unlock(); }
                boolean blockTimed(int i, Duration d) throws Exception {
                    if (m.tryLock(d) == Acquisition.NOT_ACQUIRED) return false; m.unlock(); return true; }
                void wakeAll() { m.unlock(); }
            };
        } else {
            ProcessSemaphore s = ProcessSemaphore.create(name, 0, 0, 0600);
            h = new Harness(n) {
                void block(int i) throws Exception { s.acquire(); }
                boolean blockTimed(int i, Duration d) throws Exception { return s.tryAcquire(d) != Acquisition.NOT_ACQUIRED; }
                void wakeAll() { s.release(wakeCount()); }
            };
        }
        h.run(mode + " N=" + n);
        if (mode.equals("mutex")) ProcessMutex.destroy(name); else ProcessSemaphore.destroy(name);
        System.exit(0);
    }
}
