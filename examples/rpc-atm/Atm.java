import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.rpc.RemoteInvocationException;
import io.jipc.rpc.RpcClient;
import io.jipc.rpc.RpcServerLostException;

import java.time.Duration;

/**
 * Terminal 2: an ATM. It asks the bank's central computer to withdraw an amount, as if the bank's
 * function ran here: the stub sends the arguments to the bank's process and waits for its answer.
 *
 * <pre>examples/run rpc-atm/Atm.java ACCOUNT AMOUNT</pre>
 */
public class Atm {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !args[1].matches("\\d+(\\.\\d{1,2})?")) {
            usage();
        }
        String account = args[0];
        long cents = Math.round(Double.parseDouble(args[1]) * 100);
        RpcClient.Options options = RpcClient.Options.defaults().withCallTimeout(Duration.ofSeconds(10));
        try (RpcClient<Bank> client = RpcClient.connect("bank", Bank.class, options)) {
            Bank bank = client.stub();
            Bank.Withdrawal answer = bank.withdraw(account, cents);      // runs in the bank's process
            if (answer.approved()) {
                System.out.println("dispensing " + Bank.money(cents) + "; balance "
                        + Bank.money(answer.balanceCents()));
            } else {
                System.out.println("refused: " + answer.reason() + "; balance " + Bank.money(answer.balanceCents()));
            }
            System.out.println("history: " + bank.history(account));
        } catch (MailboxNotFoundException e) {
            fail("no bank computer is serving 'bank': start BankComputer first");
        } catch (RpcServerLostException e) {
            fail("the bank computer went away (" + e.getMessage() + "): start BankComputer again");
        } catch (RemoteInvocationException e) {
            fail("the bank failed: " + e.getMessage());
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run rpc-atm/Atm.java <account> <amount>");
        System.exit(2);
    }

    /** A failure the user can fix (programs started in the wrong order, or twice): one line, exit status 1. */
    private static void fail(String problem) {
        System.err.println(problem);
        System.exit(1);
    }
}
