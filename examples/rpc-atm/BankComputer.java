import io.jipc.mailbox.MailboxExistsException;
import io.jipc.rpc.RpcServer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Terminal 1: the bank's central computer. It alone holds the accounts (here in memory) and serves
 * {@link Bank} to other processes under the name "bank"; it stops once the given number of ATM
 * sessions have ended with a look at the history (without a number, on Ctrl-C).
 *
 * <pre>examples/run rpc-atm/BankComputer.java [sessions]</pre>
 */
public class BankComputer implements Bank {
    private final Map<String, Long> balances = new HashMap<>(Map.of("alice", 100_00L, "bob", 20_00L));
    private final Map<String, List<String>> histories = new HashMap<>();
    private final CountDownLatch sessions;

    BankComputer(int sessions) {
        this.sessions = new CountDownLatch(sessions);
    }

    @Override
    public synchronized Withdrawal withdraw(String account, long cents) {
        Long balance = balances.get(account);
        Withdrawal answer;
        if (balance == null) {
            answer = new Withdrawal(false, 0, "no such account");
        } else if (cents <= 0 || cents > balance) {
            answer = new Withdrawal(false, balance, cents <= 0 ? "bad amount" : "insufficient funds");
        } else {
            balances.put(account, balance - cents);
            answer = new Withdrawal(true, balance - cents, "ok");
        }
        histories.computeIfAbsent(account, a -> new ArrayList<>())
                .add((answer.approved() ? "withdrew " : "refused ") + Bank.money(cents));
        System.out.println("withdraw " + Bank.money(cents) + " from " + account + ": "
                + (answer.approved() ? "approved" : answer.reason()) + ", balance " + Bank.money(answer.balanceCents()));
        return answer;
    }

    @Override
    public synchronized long balance(String account) {
        return balances.getOrDefault(account, 0L);
    }

    @Override
    public synchronized List<String> history(String account) {
        sessions.countDown(); // an ATM session ends with the history
        return List.copyOf(histories.getOrDefault(account, List.of()));
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1 || args.length > 0 && !args[0].matches("\\d+")) {
            usage();
        }
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : Integer.MAX_VALUE;
        BankComputer bank = new BankComputer(sessions);
        try (RpcServer<Bank> server = RpcServer.start("bank", Bank.class, bank)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close)); // Ctrl-C: its mailbox 'bank' goes too
            System.out.println("bank computer serving " + Bank.class.getSimpleName() + " as '" + server.name() + "'");
            bank.sessions.await(); // closing lets the last call send its answer first
        } catch (MailboxExistsException e) {                      // the name "bank" is a mailbox
            fail("another bank computer is serving 'bank' already: stop it first");
        }
        System.out.println("bank computer stopped");
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run rpc-atm/BankComputer.java [sessions]");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
