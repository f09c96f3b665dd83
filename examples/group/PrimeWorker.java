import io.jipc.group.GroupFullException;
import io.jipc.group.GroupMemberLostException;
import io.jipc.group.GroupMessage;
import io.jipc.group.ProcessGroup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One worker of a parallel computation (run it in SIZE terminals): the workers form the process
 * group "primes", rank 0 hands the problem to all of them (a broadcast from a root), each counts the
 * primes of its share, tells the others what it found (a broadcast message), and the counts are
 * summed for everyone (an all-reduce) and collected at rank 0 (a gather). A worker that sees
 * another one lost says so and exits with status 1.
 *
 * <pre>examples/run group/PrimeWorker.java SIZE [LIMIT]</pre>
 */
public class PrimeWorker {
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 2 || !args[0].matches("[1-9]\\d*")
                || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        int size = Integer.parseInt(args[0]);
        ProcessGroup joined = null;
        try {
            joined = ProcessGroup.join("primes", size);
        } catch (GroupFullException e) {
            fail("group 'primes' has " + size + " live workers already: wait until they finish");
        } catch (IllegalArgumentException e) {                  // the workers running said another SIZE
            fail("group 'primes' is running with another size: give this worker the same SIZE as the others");
        }
        try (ProcessGroup group = joined) {
            int rank = group.rank();
            System.out.println("rank " + rank + " of " + size + " joined; waiting for the others");
            if (!group.awaitFull(Duration.ofMinutes(5))) {
                fail("only " + group.members().size() + " of " + size + " workers joined in 5 minutes: start the others");
            }

            // rank 0 decides the problem, every member gets it: one process to the whole group
            byte[] problem = rank == 0 ? (args.length > 1 ? args[1] : "2000000").getBytes(StandardCharsets.UTF_8) : null;
            long limit = Long.parseLong(new String(group.broadcastFrom(0, problem), StandardCharsets.UTF_8));

            long from = limit * rank / size, to = limit * (rank + 1) / size;   // my share: [from, to)
            System.out.println("rank " + rank + " counts the primes in [" + from + ", " + to + ")");
            long mine = 0;
            for (long n = Math.max(2, from); n < to; n++) {
                if (isPrime(n)) {
                    mine++;
                }
            }
            System.out.println("rank " + rank + ": " + mine + " primes in [" + from + ", " + to + ")");
            group.broadcast(("rank " + rank + " found " + mine).getBytes(StandardCharsets.UTF_8));
            for (int heard = 1; heard < size; ) {              // one message from each other member
                GroupMessage m = group.poll(Duration.ofMillis(200));
                if (m == null) {                                // a receive waits for anyone, so it
                    if (group.members().size() < size) {        // cannot tell a death: look now and then
                        System.out.println("a worker was lost before it told its count");
                        group.close();                          // leave the group, then fail
                        System.exit(1);
                    }
                    continue;
                }
                System.out.println("  heard from rank " + m.sender() + ": "
                        + new String(m.payload(), StandardCharsets.UTF_8));
                heard++;
            }

            long total = group.allReduce(mine, Long::sum);      // every member learns the sum
            List<byte[]> shares = group.gather(0, Long.toString(mine).getBytes(StandardCharsets.UTF_8));
            if (rank == 0) {
                System.out.println("primes below " + limit + ": " + total + " (shares by rank: "
                        + String.join(" + ", shares.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList())
                        + ")");
            } else {
                System.out.println("primes below " + limit + ": " + total);
            }
            group.barrier();                                    // nobody leaves before all are done
        } catch (GroupMemberLostException e) {
            System.out.println("a worker was lost: " + e.getMessage());
            System.exit(1);                                     // the computation failed
        }
    }

    private static boolean isPrime(long n) {
        for (long d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run group/PrimeWorker.java <size> [limit]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
