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
        String account = args[0];
        long cents = Math.round(Double.parseDouble(args[1]) * 100);
        RpcClient.Options options = RpcClient.Options.defaults().withCallTimeout(Duration.ofSeconds(10));
        int status = 0;                                                  // 1: no answer from the bank
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
            System.out.println("no bank computer is serving 'bank'");
            status = 1;
        } catch (RpcServerLostException e) {
            System.out.println("the bank is unreachable: " + e.getMessage());
            status = 1;
        } catch (RemoteInvocationException e) {
            System.out.println("the bank failed: " + e.getMessage());
            status = 1;
        }
        System.exit(status);                                             // after the client closed
    }
}
